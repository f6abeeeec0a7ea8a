"""Reports across customers: the aged debtors.

Added up from the ledger by the statement's own arithmetic (domain.ledger.aged_debt), from one
query over the tenant's entries, so the report as at a date is the sum of the customers'
statements as at that date, to the penny.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from fieldbook_shared.problems import Forbidden

from ..domain import ledger
from ..store.models import CustomerSnapshot, LedgerEntry
from ..uow import BillingUnitOfWork
from .common import today

# who may read what every customer owes: the money roles (the gateway's roles table says so too)
READERS = ("admin", "accounts")


def aged_debtors(uow: BillingUnitOfWork, as_at: date | None = None) -> dict:
    """One line per customer with a balance, or anything outstanding or unallocated, as at the end
    of `as_at` (default today), by name; and the totals."""
    if uow.context.role not in READERS:
        raise Forbidden("Only admin and accounts may read the aged debtors.")
    as_at = as_at or today()
    with uow:
        by_customer = uow.ledger.entries_by_customer(as_at)
        snapshots = {
            c.id: c
            for c in uow.session.scalars(
                select(CustomerSnapshot).where(
                    CustomerSnapshot.tenant_id == uow.tenant_id,
                    CustomerSnapshot.id.in_(
                        select(LedgerEntry.customer_id).where(LedgerEntry.tenant_id == uow.tenant_id)
                    ),
                )
            )
        }
    lines = []
    for customer_id, entries in by_customer.items():
        line = ledger.aged_debt(entries, as_at)
        if not ledger.owes_or_holds(line):
            continue
        snapshot = snapshots.get(customer_id)
        lines.append(
            {
                "customer_id": customer_id,
                "name": snapshot.display_name if snapshot else "",
                "accounts_ref": snapshot.accounts_ref if snapshot else None,
                **line,
            }
        )
    lines.sort(key=lambda line: (line["name"].casefold(), line["customer_id"]))
    return {
        "as_at": as_at,
        "customers": lines,
        "totals": ledger.debtors_totals(lines),
        "generated_at": datetime.now(UTC),
    }
