"""What billing publishes (schemas: the kit's `events/catalogue/billing.py`; what it consumes is in
`handlers.py`).

Quotes, jobs, invoices, credit notes, payments and account credit, refunds and stored cards are
aggregates: their changes record their events (`store/models.py`, e.g. `Invoice.issue`), dumped
from the row through the catalogue's schema at commit. Published by hand, as they are not one
record's snapshot: payment.allocated / deallocated (subject: the credit source; the payload below),
ledger.balance_changed (`service/common.py`), statement.generated (`service/statements.py`),
document.send_requested (`service/sending.py`), document_settings.updated (`service/documents.py`)
and customer.erasure_reported (`handlers.py`).
"""

from __future__ import annotations

from .store.models import Allocation


def allocation_data(a: Allocation, **undone) -> dict:
    """payment.allocated; payment.deallocated adds `undone` (deallocated_on, reason)."""
    return {
        "id": a.id,
        "customer_id": a.customer_id,
        "source_type": a.source_type,
        "source_id": a.source_id,
        "invoice_id": a.invoice_id,
        "amount": a.amount,
        "allocated_on": a.allocated_on,
        **undone,
    }
