"""billing's read model of customers (the snapshots its documents are checked and addressed by),
kept from customers' events by handlers.py and fetched once by `common.customer_for`."""

from __future__ import annotations

from fieldbook_shared.db import utcnow
from fieldbook_shared.read_model import ReadModel

from ..store.models import CustomerSnapshot, WorkAddressSnapshot

ADDRESS_KEYS = ("line_1", "line_2", "line_3", "town", "county", "postcode")

# the copies, with the kit's rule: newer version wins, a deleted or merged customer stays so
CUSTOMERS = ReadModel(CustomerSnapshot, removed="deleted")
WORK_ADDRESSES = ReadModel(WorkAddressSnapshot, removed=None)


# --- the customer read model ---------------------------------------------------------------------


def apply_customer_snapshot(uow, data: dict) -> CustomerSnapshot | None:
    """Store a customer snapshot unless the one held is as new or newer, or the customer is
    deleted or merged. Returns the row."""
    row, newer = CUSTOMERS.take(uow.session, uow.tenant_id, data, display_name="")
    if not newer:
        return row
    address = data.get("address") or {}
    row.type = data.get("type")
    row.display_name = data.get("display_name") or data.get("company_name") or data.get("surname") or ""
    row.company_name = data.get("company_name")
    row.email = data.get("email")
    row.status = data.get("status") or "active"
    row.blocked = bool(data.get("blocked"))
    row.block_reason = data.get("block_reason")
    limit = data.get("credit_limit")
    row.credit_limit = None if limit in (None, "") else limit
    row.payment_terms_days = data.get("payment_terms_days")
    row.invoice_address_format = data.get("invoice_address_format")
    row.accounts_ref = data.get("accounts_ref")
    for key in ADDRESS_KEYS:
        setattr(row, "address_line_" + key[-1] if key.startswith("line_") else key, address.get(key))
    row.updated_at = utcnow()
    uow.session.flush()
    return row
