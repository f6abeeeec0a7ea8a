"""Operator commands of the webhooks service: `python -m webhooks.manage migrate`."""

from __future__ import annotations

import sys
from pathlib import Path

from fieldbook_shared import manage

from .handlers import HANDLERS
from .settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def main(argv: list[str] | None = None) -> int:
    return manage.main(__package__, MIGRATIONS, HANDLERS, load_settings, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
