"""Use cases of cash: payments, allocations, account credit, stored cards.

Never over-allocate: the credit source (payment, account credit or credit note) and then the
invoices (in id order) are locked FOR UPDATE before their remaining amounts are read from the
ledger, so concurrent allocations queue up behind each other and the second one sees the first.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fieldbook_shared.problems import Conflict, ValidationFailed

from .. import events
from ..domain import rules
from ..domain.money import ZERO, cents
from ..store.models import Allocation, Invoice, Payment, StoredCard
from ..uow import BillingUnitOfWork
from .common import admit, balance_changed, customer_for, post_to_ledger, refresh_invoice_status, today

SOURCE_LABEL = {"payment": "payment", "account_credit": "account credit", "credit_note": "credit note"}


def apply_credit(
    uow: BillingUnitOfWork,
    source_type: str,
    source_id: str,
    customer_id: str,
    invoice: Invoice,
    amount: Decimal,
    on: date,
) -> Allocation:
    """Record one allocation: its row, its ledger entry, the invoice's status and the event.

    Callers hold the locks and have checked the amounts (`allocate`, credit notes).
    """
    allocation = Allocation(
        tenant_id=uow.tenant_id,
        customer_id=customer_id,
        source_type=source_type,
        source_id=source_id,
        invoice_id=invoice.id,
        amount=amount,
        allocated_on=on,
    )
    uow.session.add(allocation)
    uow.session.flush()
    post_allocation_entry(uow, allocation, invoice, "allocation", on)
    refresh_invoice_status(uow, invoice)
    uow.publish("payment.allocated", events.allocation_data(allocation), subject=source_id)
    return allocation


def post_allocation_entry(
    uow: BillingUnitOfWork, allocation: Allocation, invoice: Invoice, kind: str, on: date
):
    """The ledger entry of an allocation (`kind` allocation: its amount off the invoice and off its
    source) or of its undoing (deallocation: back on both), dated `on`; the balance does not move."""
    delta = -allocation.amount if kind == "allocation" else allocation.amount
    post_to_ledger(
        uow,
        allocation.customer_id,
        entry_date=on,
        kind=kind,
        document_id=allocation.id,
        reference=f"INV {invoice.number}",
        amount=ZERO,
        invoice_id=invoice.id,
        invoice_delta=delta,
        source_id=allocation.source_id,
        source_type=allocation.source_type,
        source_delta=delta,
    )


def _check_and_allocate(
    uow: BillingUnitOfWork,
    source_type: str,
    source_id: str,
    customer_id: str,
    allocations: list[dict],
    on: date,
) -> list:
    """Allocate parts of a locked credit source to invoices; 409 with the figures when too much."""
    wanted: dict[str, Decimal] = {}
    for i, item in enumerate(allocations):
        amount = cents(item["amount"])
        if amount <= ZERO:
            raise ValidationFailed({f"allocations.{i}.amount": ["Must be more than 0.00."]})
        wanted[str(item["invoice_id"])] = wanted.get(str(item["invoice_id"]), ZERO) + amount
    remaining = cents(uow.ledger.unallocated(source_id))
    asked = cents(sum(wanted.values(), ZERO))
    label = SOURCE_LABEL[source_type]
    if asked > remaining:
        raise Conflict(
            f"Allocating {asked} would over-allocate this {label}: only {remaining} of it is unallocated.",
            requested=str(asked),
            unallocated=str(remaining),
        )
    invoices = uow.invoices.lock_many(list(wanted))
    made = []
    for invoice_id, amount in sorted(wanted.items()):
        invoice = invoices.get(invoice_id)
        if invoice is None or invoice.customer_id != customer_id:
            raise ValidationFailed({"allocations": [f"Invoice {invoice_id} is not one of this customer's."]})
        if invoice.status not in ("issued", "part_paid", "paid"):
            raise Conflict(f"Invoice {invoice.number} is {invoice.status}: nothing can be allocated to it.")
        outstanding = cents(uow.ledger.outstanding(invoice.id))
        if amount > outstanding:
            raise Conflict(
                f"Allocating {amount} to invoice {invoice.number} would over-allocate it: "
                f"only {outstanding} of its {invoice.total} is outstanding.",
                invoice_id=invoice.id,
                requested=str(amount),
                outstanding=str(outstanding),
            )
        made.append(apply_credit(uow, source_type, source_id, customer_id, invoice, amount, on))
    return made


def _new_payment(uow: BillingUnitOfWork, kind: str, customer_id: str, body: dict) -> Payment:
    payment = Payment(
        tenant_id=uow.tenant_id,
        customer_id=customer_id,
        kind=kind,
        method=body["method"],
        reference=body.get("reference"),
        nominal_account=body.get("nominal_account"),
        amount=cents(body["amount"]),
        received_on=body.get("received_on") or body.get("credit_date") or today(),
        created_by=uow.context.actor,
    )
    uow.session.add(payment)
    uow.session.flush()
    post_to_ledger(
        uow,
        customer_id,
        entry_date=payment.received_on,
        kind=kind,
        document_id=payment.id,
        reference=payment.reference or ("Payment" if kind == "payment" else "Account credit"),
        amount=-payment.amount,
        source_id=payment.id,
        source_type=kind,
        source_delta=payment.amount,
    )
    return payment


def receive_payment(uow: BillingUnitOfWork, body: dict) -> tuple[Payment, Decimal]:
    """A payment (one method) with optional allocations; what is not allocated stays as credit."""
    with uow:
        customer = customer_for(uow, str(body["customer_id"]), lock=True)
        payment = _new_payment(uow, "payment", customer.id, body)
        _check_and_allocate(
            uow, "payment", payment.id, customer.id, body.get("allocations") or [], payment.received_on
        )
        unallocated = cents(uow.ledger.unallocated(payment.id))
        payment.record("payment.received", unallocated=unallocated)
        balance_changed(uow, customer.id)
        admit(uow, customer, "payment")
        uow.commit()
        return payment, unallocated


def issue_account_credit(uow: BillingUnitOfWork, customer_id: str, body: dict) -> tuple[Payment, Decimal]:
    with uow:
        customer = customer_for(uow, customer_id, lock=True)
        credit = _new_payment(uow, "account_credit", customer.id, body)
        credit.record("account_credit.issued", unallocated=credit.amount)
        balance_changed(uow, customer.id)
        admit(uow, customer, "account_credit")
        uow.commit()
        return credit, credit.amount


def get_payment(uow: BillingUnitOfWork, payment_id: str, kind: str | None = None):
    with uow:
        payment = uow.payments.get(payment_id)
        if kind and payment.kind != kind:
            raise_not_found(kind)
        return payment, cents(uow.ledger.unallocated(payment.id)), uow.allocations.of_source(payment.id)


def raise_not_found(kind: str):
    from fieldbook_shared.problems import NotFound

    raise NotFound(f"No such {SOURCE_LABEL.get(kind, kind)}.")


def locked_source(uow: BillingUnitOfWork, source_type: str, source_id: str, customer_id=None):
    """A payment, account credit or credit note, locked; 404 when it is not of that kind or customer."""
    if source_type == "credit_note":
        source = uow.credit_notes.get(source_id, lock=True)
    else:
        source = uow.payments.get(source_id, lock=True)
        if source.kind != source_type:
            raise_not_found(source_type)
    if customer_id is not None and source.customer_id != str(customer_id):
        raise_not_found(source_type)
    return source


def allocate(uow: BillingUnitOfWork, source_type: str, source_id: str, body: dict, customer_id=None):
    """Allocate an existing payment, account credit or credit note to invoices."""
    with uow:
        source = locked_source(uow, source_type, source_id, customer_id)
        made = _check_and_allocate(
            uow,
            source_type,
            source.id,
            source.customer_id,
            body["allocations"],
            body.get("allocated_on") or today(),
        )
        unallocated = cents(uow.ledger.unallocated(source.id))
        balance_changed(uow, source.customer_id)
        uow.commit()
        return made, unallocated


def list_account_credit(uow: BillingUnitOfWork, customer_id: str, page: int, page_size: int):
    """One page of the customer's account credit, latest first, each with what is unallocated; and
    the total."""
    with uow:
        customer = customer_for(uow, customer_id)
        order = (Payment.received_on.desc(), Payment.created_at.desc(), Payment.id)
        rows, total = uow.payments.page(customer.id, order, page, page_size, Payment.kind == "account_credit")
        return [(p, cents(uow.ledger.unallocated(p.id))) for p in rows], total


def list_payments(uow: BillingUnitOfWork, customer_id: str, page: int, page_size: int):
    """One page of the customer's payments (not account credit), latest first, each with what is
    unallocated and its allocations (de-allocated ones too, with when); and the total."""
    with uow:
        customer = customer_for(uow, customer_id)
        order = (Payment.received_on.desc(), Payment.created_at.desc(), Payment.id)
        rows, total = uow.payments.page(customer.id, order, page, page_size, Payment.kind == "payment")
        shown = [(p, cents(uow.ledger.unallocated(p.id)), uow.allocations.of_source(p.id)) for p in rows]
        return shown, total


# --- stored cards -------------------------------------------------------------------------------------


def add_card(uow: BillingUnitOfWork, customer_id: str, body: dict) -> StoredCard:
    rules.refuse_card_secrets(body)  # the schema refuses them too; this is the rule, said once
    with uow:
        customer = customer_for(uow, customer_id, lock=True)
        card = StoredCard(
            tenant_id=uow.tenant_id,
            customer_id=customer.id,
            provider=body.get("provider"),
            provider_token=body["provider_token"],
            brand=body["brand"],
            last4=body["last4"],
            expiry_month=body["expiry_month"],
            expiry_year=body["expiry_year"],
            name_on_card=body.get("name_on_card"),
        )
        uow.session.add(card)
        uow.session.flush()
        card.record("card.stored")  # brand, last 4 and expiry: never the token
        admit(uow, customer, "card")
        uow.commit()
        return card


def list_cards(
    uow: BillingUnitOfWork, customer_id: str, page: int, page_size: int
) -> tuple[list[StoredCard], int]:
    with uow:
        customer_for(uow, customer_id)
        return uow.cards.page(str(customer_id), (StoredCard.created_at, StoredCard.id), page, page_size)
