"""Operator commands of the billing service.

python -m billing.manage migrate                    apply every Alembic migration
python -m billing.manage reconcile [--tenant ID]    recompute balances from the ledger; exit 1 on
                                                    any mismatch (every tenant when none is named)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy import select

from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import create_engine, session_factory
from fieldbook_shared.migrations import migrate_service

from .handlers import HANDLERS
from .settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def reconcile(tenants: list[str] | None = None) -> dict:
    from .service.statements import reconcile_tenant
    from .store.models import LedgerEntry
    from .uow import BillingUnitOfWork

    settings = load_settings()
    sessions = session_factory(create_engine(settings.database_url))
    if not tenants:
        with sessions() as s:
            tenants = sorted(s.scalars(select(LedgerEntry.tenant_id).distinct()).all())
    report = {}
    for tenant in tenants:
        uow = BillingUnitOfWork(
            sessions, RequestContext.system(tenant, actor="billing.manage"), settings.service
        )
        report[tenant] = reconcile_tenant(uow)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m billing.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply every Alembic migration (upgrade head)")
    rec = sub.add_parser("reconcile", help="recompute every customer's balance from the ledger")
    rec.add_argument("--tenant", action="append", help="only this tenant (repeatable)")
    args = parser.parse_args(argv)
    if args.command == "migrate":
        settings = load_settings()
        migrate_service(MIGRATIONS, settings, HANDLERS)
        print("billing: migrated to head", file=sys.stderr)
        return 0
    report = reconcile(args.tenant)
    mismatches = sum(len(r["mismatches"]) for r in report.values())
    print(json.dumps({"tenants": report, "mismatches": mismatches}, indent=2))
    print(
        f"billing reconcile: {len(report)} tenant(s), "
        f"{sum(r['customers_checked'] for r in report.values())} customer(s), {mismatches} mismatch(es)",
        file=sys.stderr,
    )
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
