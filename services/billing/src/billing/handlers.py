"""What billing consumes: the customer read model and the handlers of customers' events.

Customers' snapshots (`customer.*` carry `version`: an older copy than the one held is ignored, so
out-of-order delivery is harmless), work addresses (for invoice addresses and the landlord tag),
merges, deletes and erasure; servicing's contracts (the work addresses they cover, their SLA).
`HANDLERS` is what the worker subscribes to.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update

from fieldbook_shared.events import Event
from fieldbook_shared.messaging.snapshots import copy_handler
from fieldbook_shared.read_model import copy_address, copy_fields, customer_of

from .service.bookings import book_service_job
from .service.contracts import remember_contract
from .service.customers import CUSTOMER_SNAPSHOT, WORK_ADDRESSES
from .store.models import (
    Allocation,
    CreditNote,
    Invoice,
    Job,
    LedgerEntry,
    Payment,
    Quote,
    QuoteLine,
    RecurringInvoice,
    RecurringInvoiceLine,
    Refund,
    Statement,
    StoredCard,
    WorkAddressSnapshot,
)

# every table whose rows belong to a customer: re-pointed together when customers merge
CUSTOMER_OWNED = (
    Quote,
    Job,
    Invoice,
    CreditNote,
    Payment,
    Allocation,
    Refund,
    LedgerEntry,
    StoredCard,
    Statement,
    RecurringInvoice,
)


def _copy_work_address(row: WorkAddressSnapshot, data: dict) -> None:
    copy_fields(row, data, "customer_id", "name", "landlord", "occupier")
    row.status = data.get("status") or "active"
    copy_address(row, data.get("address"))


# an import's thousands of work addresses are taken into the read model a batch at a time
WORK_ADDRESS_SNAPSHOT = copy_handler(WORK_ADDRESSES, _copy_work_address, customer_of)


def on_customer_merged(uow, event: Event) -> None:
    """Everything of the merged customer becomes the survivor's: one UPDATE per table, idempotent.

    The merged customer's snapshot row is locked first: a write that was admitted before the merge
    holds it until it commits, so its document is re-pointed too (docs/architecture.md §8)."""
    merged_id, survivor_id = event.data["merged_id"], event.data["survivor_id"]
    row = uow.customers.find(merged_id, lock=True)
    for model in CUSTOMER_OWNED:
        uow.session.execute(
            update(model)
            .where(model.tenant_id == uow.tenant_id, model.customer_id == merged_id)
            .values(customer_id=survivor_id)
        )
    uow.session.execute(
        update(WorkAddressSnapshot)
        .where(WorkAddressSnapshot.tenant_id == uow.tenant_id, WorkAddressSnapshot.customer_id == merged_id)
        .values(customer_id=survivor_id)
    )
    if row is not None:
        row.deleted = True
        row.merged_into = survivor_id


def on_customer_removed(uow, event: Event) -> None:
    """Deleted (customers refuses that while billing has transactions) or erased: forget the person.

    A deleted customer's quotes, cards, recurring invoices and statements go with it (and jobs from
    before customers counted them); it has no invoices, credit notes, payments or jobs (customers
    refuses the delete once it has admitted any). An erased customer's recurring invoices stop: no
    more invoices for a person who is gone. The snapshot row is locked first: a quote, card or
    recurring invoice admitted before the delete holds it until it commits, so it is deleted here
    too (docs/architecture.md §8).
    """
    customer_id = event.data["customer_id"]
    row = uow.customers.find(customer_id, lock=True)
    if event.type == "customer.deleted":
        quote_ids = select(Quote.id).where(Quote.tenant_id == uow.tenant_id, Quote.customer_id == customer_id)
        uow.session.execute(delete(QuoteLine).where(QuoteLine.quote_id.in_(quote_ids)))
        schedule_ids = select(RecurringInvoice.id).where(
            RecurringInvoice.tenant_id == uow.tenant_id, RecurringInvoice.customer_id == customer_id
        )
        uow.session.execute(
            delete(RecurringInvoiceLine).where(RecurringInvoiceLine.recurring_invoice_id.in_(schedule_ids))
        )
        for model in (Quote, Job, StoredCard, Statement, RecurringInvoice):
            uow.session.execute(
                delete(model).where(model.tenant_id == uow.tenant_id, model.customer_id == customer_id)
            )
    if row is not None:
        row.deleted = True
        if event.type == "customer.erased":
            row.display_name = "Erased customer"
            row.company_name = row.email = None
            row.address_line_1 = row.address_line_2 = row.address_line_3 = None
            row.town = row.county = row.postcode = None
    if event.type == "customer.erased":
        stopped = _stop_recurring_invoices(uow, customer_id)
        report = _erasure_actions(uow, customer_id, row)
        report["actions"]["recurring_invoices_stopped"] = stopped
        uow.publish("customer.erasure_reported", report, subject=customer_id)


def _stop_recurring_invoices(uow, customer_id: str) -> int:
    """An erased customer is invoiced no more: its active and paused recurring invoices stop; how many."""
    done = uow.session.execute(
        update(RecurringInvoice)
        .where(
            RecurringInvoice.tenant_id == uow.tenant_id,
            RecurringInvoice.customer_id == customer_id,
            RecurringInvoice.status.in_(("active", "paused")),
        )
        .values(status="stopped", next_date=None, version=RecurringInvoice.version + 1)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount


def _erasure_actions(uow, customer_id: str, row) -> dict:
    """billing's part of the erasure report: the name it held is anonymised, the money records stay."""

    def kept(model) -> int:
        where = (model.tenant_id == uow.tenant_id, model.customer_id == customer_id)
        return uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {
        "customer_id": customer_id,
        "service": "billing",
        "actions": {
            "customer_name_anonymised": row is not None,
            "invoices_kept": kept(Invoice),
            "credit_notes_kept": kept(CreditNote),
            "payments_kept": kept(Payment),
            "quotes_kept": kept(Quote),
            "jobs_kept": kept(Job),
        },
    }


# --- accounting-sync's word on a document -------------------------------------------------------

POSTED_KINDS = {"invoice": Invoice, "credit_note": CreditNote, "payment": Payment}


def on_document_posted(uow, event: Event) -> None:
    """accounting.document_posted: keep the document's Sage id. A plain UPDATE, so the invoice's
    version (its ETag) does not move for a fact of accounting-sync's; a repeat writes the same id."""
    data = event.data
    model = POSTED_KINDS.get(data["kind"])
    if model is None:
        return
    uow.session.execute(
        update(model)
        .where(model.tenant_id == uow.tenant_id, model.id == data["source_id"])
        .values(sage_id=data["sage_id"])
        .execution_options(synchronize_session=False)
    )


def on_service_booked(uow, event: Event) -> None:
    """servicing booked an asset's service: the job, linked to its reminder."""
    book_service_job(uow, event.data)


def on_contract(uow, event: Event) -> None:
    """servicing's contracts: which work addresses they cover and their SLA (service/contracts.py)."""
    remember_contract(uow, event.data)


CONTRACT_EVENTS = (
    "contract.created",
    "contract.updated",
    "contract.renewed",
    "contract.cancelled",
    "contract.expired",
)


HANDLERS = {
    **dict.fromkeys(CONTRACT_EVENTS, on_contract),
    "customer.created": CUSTOMER_SNAPSHOT,
    "customer.updated": CUSTOMER_SNAPSHOT,
    "customer.blocked": CUSTOMER_SNAPSHOT,
    "customer.unblocked": CUSTOMER_SNAPSHOT,
    "customer.status_changed": CUSTOMER_SNAPSHOT,
    "customer.type_changed": CUSTOMER_SNAPSHOT,
    "customer.deleted": on_customer_removed,
    "customer.erased": on_customer_removed,
    "customer.merged": on_customer_merged,
    "work_address.created": WORK_ADDRESS_SNAPSHOT,
    "work_address.updated": WORK_ADDRESS_SNAPSHOT,
    "work_address.status_changed": WORK_ADDRESS_SNAPSHOT,
    "accounting.document_posted": on_document_posted,
    "service_reminder.booked": on_service_booked,
}
