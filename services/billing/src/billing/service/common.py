"""What the use cases of billing share: the customer they act for (and customers' word that a
document may be written for it), document lines and totals, and the ledger (posting, the customer's
new figures, an invoice's status from what it still owes)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fieldbook_shared import clock
from fieldbook_shared.db import utcnow
from fieldbook_shared.problems import CustomerMerged, NotFound, ValidationFailed

from .. import customers_client
from ..domain import ledger, money
from ..domain.money import ZERO, cents
from ..store.models import CustomerSnapshot, Invoice
from ..uow import BillingUnitOfWork
from .customers import CUSTOMERS, apply_customer_snapshot

LINE_FIELDS = ("description", "quantity", "unit_price", "vat_rate", "category", "net", "vat", "total")


def today() -> date:
    """Today for billing's dates (an invoice's date, "not in the future"): the kit's clock, which
    the e2e suite moves (docs/architecture.md §6)."""
    return clock.today()


# --- the customer read model ----------------------------------------------------------------------


def customer_for(uow: BillingUnitOfWork, customer_id: str, lock: bool = False) -> CustomerSnapshot:
    """The customer's snapshot; one internal read from customers when billing has not heard of it.
    A merged customer's old id is a 410 naming the survivor (the kit's `CustomerMerged`)."""
    customer_id = str(customer_id)
    row = uow.customers.find(customer_id, lock=lock)
    if row is None:
        CUSTOMERS.fetch_once(
            uow.session,
            uow.tenant_id,
            customer_id,
            lambda: customers_client.fetch_customer(uow.tenant_id, customer_id),
            lambda data: apply_customer_snapshot(uow, data),
        )
        row = uow.customers.find(customer_id, lock=lock)
    if row is not None and row.merged_into:
        raise CustomerMerged(
            row.merged_into,
            f"That customer was merged into customer {row.merged_into}; its billing records are there now.",
        )
    if row is None or row.deleted:
        raise NotFound("No such customer.")
    return row


def admit(
    uow: BillingUnitOfWork, customer: CustomerSnapshot, kind: str, refuse_if_blocked: bool = False
) -> None:
    """customers' word that this document may be written for the customer now: the last step
    before commit, once every local check has passed (a refusal here leaves nothing behind; a yes
    recorded there for a document that stops a delete stays if this commit then fails — the safe
    side: the customer cannot be deleted). The caller holds the customer's snapshot row lock, so
    billing's handlers of customer.deleted / merged, which take it first, see this document.
    See docs/architecture.md §8."""
    customers_client.admit_document(uow.tenant_id, customer.id, kind, refuse_if_blocked)


# --- document lines and totals --------------------------------------------------------------------


def priced_lines(lines: list[dict]) -> list[dict]:
    if not lines:
        raise ValidationFailed({"lines": ["At least one line is needed."]})
    return [money.priced_line(line) for line in lines]


def line_rows(model, lines: list[dict], tenant_id: str, **extra) -> list:
    return [
        model(
            tenant_id=tenant_id,
            position=i,
            **{k: line[k] for k in LINE_FIELDS},
            **{k: line.get(k) for k in extra.get("keep", ())},
        )
        for i, line in enumerate(lines, start=1)
    ]


def line_dict(line) -> dict:
    return {k: getattr(line, k) for k in LINE_FIELDS}


def set_totals(doc, lines) -> None:
    t = money.document_totals(lines)
    doc.net, doc.vat, doc.total = t.net, t.vat, t.total


def checked_work_address(uow: BillingUnitOfWork, customer_id: str, work_address_id: str | None):
    if not work_address_id:
        return None
    wa = uow.work_addresses.find(work_address_id)
    if wa is not None and wa.customer_id != customer_id:
        raise ValidationFailed({"work_address_id": ["This work address belongs to another customer."]})
    return wa


# --- the ledger -----------------------------------------------------------------------------------


def post_to_ledger(uow: BillingUnitOfWork, customer_id: str, **values):
    return uow.ledger.post(customer_id, **values)


def balance_changed(uow: BillingUnitOfWork, customer_id: str) -> None:
    """Publish the customer's new figures (customers shows them; accounting-sync compares them)."""
    entries = uow.ledger.entries(customer_id)
    outstanding = sum((v for v in ledger.outstanding_by_invoice(entries).values()), ZERO)
    unallocated = sum((v for v in ledger.unallocated_by_source(entries).values()), ZERO)
    uow.publish(
        "ledger.balance_changed",
        {
            "customer_id": customer_id,
            "balance": ledger.balance(entries),
            "total_due": cents(outstanding),
            "unallocated": cents(unallocated),
            "has_transactions": True,
            "as_of": utcnow(),
        },
        subject=customer_id,
    )


def refresh_invoice_status(uow: BillingUnitOfWork, invoice: Invoice) -> None:
    """issued / part_paid / paid follow the invoice's outstanding amount in the ledger."""
    uow.collect()  # what was recorded about the invoice is written as it stands, before it moves
    invoice.follow(cents(uow.ledger.outstanding(invoice.id)))


# --- a job's lines, kept as JSON ------------------------------------------------------------------


def json_line(line: dict) -> dict:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in line.items()}


def from_json_line(line: dict) -> dict:
    return {
        k: Decimal(line[k]) if k in ("quantity", "unit_price", "vat_rate") else line[k]
        for k in ("description", "quantity", "unit_price", "vat_rate", "category")
    }
