"""billing's read model of customers (the snapshots its documents are checked and addressed by),
kept from customers' events by handlers.py and fetched once by `common.customer_for`."""

from __future__ import annotations

from fieldbook_shared.db import utcnow
from fieldbook_shared.messaging.snapshots import copy_handler
from fieldbook_shared.read_model import ReadModel, copy_address, copy_fields

from ..store.models import CustomerSnapshot, WorkAddressSnapshot

# what billing keeps of a customer as its snapshot says it (the rest is read with a rule below)
CUSTOMER_FIELDS = (
    "type",
    "company_name",
    "email",
    "block_reason",
    "payment_terms_days",
    "invoice_address_format",
    "accounts_ref",
)

# the copies, with the kit's rule: newer version wins, a deleted or merged customer stays so
CUSTOMERS = ReadModel(CustomerSnapshot, removed="deleted")
WORK_ADDRESSES = ReadModel(WorkAddressSnapshot, removed=None)


# --- the customer read model ---------------------------------------------------------------------


def _unnamed(_data: dict) -> dict:
    return {"display_name": ""}  # what a new copy needs at once


def apply_customer_snapshot(uow, data: dict) -> CustomerSnapshot:
    """Store a customer snapshot unless the one held is as new or newer, or the customer is
    deleted or merged. Returns the row."""
    return CUSTOMERS.keep(uow.session, uow.tenant_id, data, _copy_customer, _unnamed)


def _copy_customer(row: CustomerSnapshot, data: dict) -> None:
    copy_fields(row, data, *CUSTOMER_FIELDS)
    row.display_name = data.get("display_name") or data.get("company_name") or data.get("surname") or ""
    row.status = data.get("status") or "active"
    row.blocked = bool(data.get("blocked"))
    limit = data.get("credit_limit")
    row.credit_limit = None if limit in (None, "") else limit
    copy_address(row, data.get("address"))
    row.updated_at = utcnow()


# the handler of customers' snapshot events: a backlog (an import's) is taken a batch at a time
CUSTOMER_SNAPSHOT = copy_handler(CUSTOMERS, _copy_customer, _unnamed)
