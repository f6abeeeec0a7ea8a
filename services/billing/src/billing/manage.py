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

from fieldbook_shared import manage
from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import create_engine, session_factory

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


def _report(args: argparse.Namespace) -> int:
    report = reconcile(args.tenant)
    mismatches = sum(len(r["mismatches"]) for r in report.values())
    print(json.dumps({"tenants": report, "mismatches": mismatches}, indent=2))
    print(
        f"billing reconcile: {len(report)} tenant(s), "
        f"{sum(r['customers_checked'] for r in report.values())} customer(s), {mismatches} mismatch(es)",
        file=sys.stderr,
    )
    return 1 if mismatches else 0


RECONCILE = manage.Command(
    help="recompute every customer's balance from the ledger",
    run=_report,
    arguments=lambda parser: parser.add_argument(
        "--tenant", action="append", help="only this tenant (repeatable)"
    ),
)


def main(argv: list[str] | None = None) -> int:
    return manage.main(
        __package__, MIGRATIONS, HANDLERS, load_settings, commands={"reconcile": RECONCILE}, argv=argv
    )


if __name__ == "__main__":
    sys.exit(main())
