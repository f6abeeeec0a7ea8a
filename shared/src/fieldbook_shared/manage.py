"""The operator commands every service has: `python -m <package>.manage <command>`.

Every service's `manage.py` is this `main` with its own migrations, handlers and settings, plus
the commands only it has (billing's `reconcile`):

    def main(argv=None) -> int:
        return manage.main(__package__, MIGRATIONS, HANDLERS, load_settings, argv=argv)

`migrate` brings the database to head and declares the service's queue (`migrate_service`).
Messages go to stderr; what a command answers goes alone on stdout, for scripts.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .migrations import migrate_service
from .settings import Settings


@dataclass(frozen=True)
class Command:
    """A service's own command: its help, its arguments, and what it does (returns the exit code)."""

    help: str
    run: Callable[[argparse.Namespace], int]
    arguments: Callable[[argparse.ArgumentParser], None] = field(default=lambda parser: None)


def main(
    package: str,
    migrations: Path,
    handlers: Iterable[str],
    load_settings: Callable[[], Settings],
    *,
    commands: dict[str, Command] | None = None,
    argv: list[str] | None = None,
) -> int:
    """Parse `argv` (the command line when None), run the command, return its exit code."""
    parser = argparse.ArgumentParser(prog=f"python -m {package}.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply every Alembic migration (upgrade head)")
    for name, command in (commands or {}).items():
        command.arguments(sub.add_parser(name, help=command.help))
    args = parser.parse_args(argv)
    if args.command == "migrate":
        settings = load_settings()
        migrate_service(migrations, settings, handlers)
        print(f"{settings.service}: migrated to head", file=sys.stderr)
        return 0
    return (commands or {})[args.command].run(args)
