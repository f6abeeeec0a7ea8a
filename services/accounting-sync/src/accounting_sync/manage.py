"""Operator commands of the accounting-sync service: `python -m accounting_sync.manage migrate`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fieldbook_shared.migrations import migrate_service

from .handlers import HANDLERS
from .settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m accounting_sync.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply every Alembic migration (upgrade head)")
    args = parser.parse_args(argv)
    if args.command == "migrate":
        settings = load_settings()
        migrate_service(MIGRATIONS, settings, HANDLERS)
        print("accounting-sync: migrated to head", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
