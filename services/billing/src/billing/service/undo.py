"""Use cases that undo money: de-allocate, reverse a payment (a bounced cheque), refund credit.

Nothing is deleted: each undo is ledger entries dated the day it happens (given, else today;
never in the future), so a statement as at an earlier date is unchanged, and the rows undone
keep when, why and by whom. Each publishes its event and `ledger.balance_changed` in the same
transaction; the invoices it touches take their status (issued / part_paid / paid) from the
ledger again.

Locks, in the order receiving and allocating take them: the customer's snapshot (refunds), the
credit source, then the invoices in id order; amounts are read from the ledger once locked.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fieldbook_shared.problems import Conflict, NotFound, ValidationFailed

from .. import events
from ..domain import ledger
from ..domain.money import ZERO, cents
from ..store.models import Allocation, Invoice, Refund
from ..uow import BillingUnitOfWork
from .cash import SOURCE_LABEL, locked_source, post_allocation_entry
from .common import balance_changed, customer_for, post_to_ledger, refresh_invoice_status, today

CREDIT_KINDS = ("payment", "account_credit", "credit_note")


def undo_date(field: str, on: date | None) -> date:
    """The day an undo happens: today unless given; never in the future (it has not happened)."""
    if on is not None and on > today():
        raise ValidationFailed({field: ["Must not be in the future."]})
    return on or today()


def _post_deallocation(
    uow: BillingUnitOfWork, allocation: Allocation, invoice: Invoice, on: date, reason: str | None
) -> None:
    """The allocation's amount back on the invoice and on its source, from `on`; the row stays."""
    post_allocation_entry(uow, allocation, invoice, "deallocation", on)
    allocation.deallocated_on = on
    allocation.deallocation_reason = reason
    allocation.deallocated_by = uow.context.actor
    uow.session.flush()
    refresh_invoice_status(uow, invoice)
    data = events.allocation_data(allocation, deallocated_on=on, reason=reason)
    uow.publish("payment.deallocated", data, subject=allocation.source_id)


def deallocate(
    uow: BillingUnitOfWork,
    source_type: str,
    source_id: str,
    allocation_id: str,
    body: dict,
    customer_id=None,
) -> tuple[Allocation, Decimal, Invoice, Decimal]:
    """Undo one allocation of a payment, account credit or credit note: the invoice owes that
    amount again and the source has it unallocated again, from the de-allocation's date.

    Returns the allocation, the source's unallocated amount, the invoice and its outstanding."""
    on = undo_date("deallocated_on", body.get("deallocated_on"))
    with uow:
        source = locked_source(uow, source_type, source_id, customer_id)
        allocation = uow.allocations.get(allocation_id, lock=True)
        if allocation.source_id != source.id:
            raise NotFound(f"No such allocation of this {SOURCE_LABEL[source_type]}.")
        if allocation.deallocated_on is not None:
            raise Conflict(
                f"This allocation was already de-allocated on {allocation.deallocated_on}.",
                deallocated_on=allocation.deallocated_on.isoformat(),
            )
        if on < allocation.allocated_on:
            raise ValidationFailed(
                {"deallocated_on": [f"Must not be before {allocation.allocated_on}, when it was allocated."]}
            )
        invoice = uow.invoices.lock_many([allocation.invoice_id])[allocation.invoice_id]
        _post_deallocation(uow, allocation, invoice, on, body.get("reason"))
        unallocated = cents(uow.ledger.unallocated(source.id))
        outstanding = cents(uow.ledger.outstanding(invoice.id))
        balance_changed(uow, source.customer_id)
        uow.commit()
        return allocation, unallocated, invoice, outstanding


def reverse_payment(uow: BillingUnitOfWork, payment_id: str, body: dict):
    """A payment that did not happen after all (a bounced cheque): its allocations are undone,
    so its invoices are owed again, and its amount is owed again — all from `reversed_on`.

    Refused (409) once reversed, and when part of it was refunded (that money went back out; a
    reversal would have to claw it back). `reversed_on` may not be before the payment's last
    movement, so no statement as at a date between shows less than nothing unallocated on it."""
    on = undo_date("reversed_on", body.get("reversed_on"))
    with uow:
        payment = locked_source(uow, "payment", payment_id)
        if payment.reversed_on is not None:
            raise Conflict(
                f"This payment was already reversed on {payment.reversed_on}.",
                reversed_on=payment.reversed_on.isoformat(),
            )
        entries = uow.ledger.of_source(payment.id)
        refunded = cents(-sum((e.source_delta for e in entries if e.kind == "refund"), ZERO))
        if refunded:
            raise Conflict(
                f"{refunded} of this payment was refunded: it cannot be reversed.", refunded=str(refunded)
            )
        latest = max(e.entry_date for e in entries)
        if on < latest:
            raise ValidationFailed(
                {"reversed_on": [f"Must not be before {latest}, the payment's last movement."]}
            )
        live = [a for a in uow.allocations.of_source(payment.id) if a.deallocated_on is None]
        invoices = uow.invoices.lock_many([a.invoice_id for a in live])
        for allocation in sorted(live, key=lambda a: a.invoice_id):
            _post_deallocation(uow, allocation, invoices[allocation.invoice_id], on, body["reason"])
        amount = cents(uow.ledger.unallocated(payment.id))  # all of it, now nothing is allocated
        post_to_ledger(
            uow,
            payment.customer_id,
            entry_date=on,
            kind="payment_reversal",
            document_id=payment.id,
            reference=f"{payment.reference or 'Payment'} reversed",
            amount=amount,
            source_id=payment.id,
            source_type="payment",
            source_delta=-amount,
        )
        payment.reverse(on, body["reason"], uow.context.actor, deallocated=[a.id for a in live])
        uow.session.flush()
        balance_changed(uow, payment.customer_id)
        uow.commit()
        return payment


def _credit_to_refund(uow: BillingUnitOfWork, customer_id: str, source_id: str | None) -> list:
    """The customer's credit sources with something unallocated, oldest first (`source_id`: that
    one only, which must be one of the customer's)."""
    _, credits = ledger.open_items(uow.ledger.entries(customer_id))
    if source_id is None:
        return credits
    source = uow.payments.find(source_id) or uow.credit_notes.find(source_id)
    if source is None or source.customer_id != customer_id:
        raise ValidationFailed(
            {"source_id": ["Not a payment, account credit or credit note of this customer."]}
        )
    return [c for c in credits if c.source_id == source_id]


def refund(uow: BillingUnitOfWork, customer_id: str, body: dict) -> Refund:
    """Pay unallocated credit back: from the source named, else from the customer's credit oldest
    first. Never more than is unallocated (409 with `requested` and `unallocated`: what could be
    refunded on that date)."""
    on = undo_date("refunded_on", body.get("refunded_on"))
    amount = cents(body["amount"])
    source_id = str(body["source_id"]) if body.get("source_id") else None
    with uow:
        customer = customer_for(uow, customer_id, lock=True)
        credits = _credit_to_refund(uow, customer.id, source_id)
        for credit in sorted(credits, key=lambda c: c.source_id):  # one lock order for everyone
            if credit.source_type == "credit_note":
                uow.credit_notes.get(credit.source_id, lock=True)
            else:
                uow.payments.get(credit.source_id, lock=True)
        taken: list[tuple[str, str, Decimal]] = []
        left = amount
        for credit in credits:
            take = min(left, ledger.refundable(uow.ledger.of_source(credit.source_id), on))
            if take > ZERO:
                taken.append((credit.source_type, credit.source_id, take))
                left -= take
            if left == ZERO:
                break
        if left > ZERO:
            available = amount - left
            raise Conflict(
                f"Refunding {amount} would refund more than the unallocated credit: "
                f"only {available} can be refunded on {on}.",
                requested=str(amount),
                unallocated=str(available),
            )
        row = Refund(
            tenant_id=uow.tenant_id,
            customer_id=customer.id,
            amount=amount,
            method=body["method"],
            reference=body.get("reference"),
            refunded_on=on,
            created_by=uow.context.actor,
        )
        uow.session.add(row)
        uow.session.flush()
        for source_type, credit_id, take in taken:
            post_to_ledger(
                uow,
                customer.id,
                entry_date=on,
                kind="refund",
                document_id=row.id,
                reference=row.reference or "Refund",
                amount=take,
                source_id=credit_id,
                source_type=source_type,
                source_delta=-take,
            )
        row.record("refund.issued", sources=refund_sources(uow, row.id))
        balance_changed(uow, customer.id)
        uow.commit()
        return row


def refund_sources(uow: BillingUnitOfWork, refund_id: str) -> list[dict]:
    """What a refund took from which credit source, from its ledger entries."""
    return [
        {"source_type": e.source_type, "source_id": e.source_id, "amount": cents(-e.source_delta)}
        for e in uow.ledger.of_document(refund_id)
        if e.kind == "refund"
    ]


def get_refund(uow: BillingUnitOfWork, customer_id: str, refund_id: str) -> tuple[Refund, list[dict]]:
    with uow:
        customer_for(uow, customer_id)
        row = uow.refunds.get(refund_id)
        if row.customer_id != str(customer_id):
            raise NotFound("No such refund.")
        return row, refund_sources(uow, row.id)


def list_refunds(uow: BillingUnitOfWork, customer_id: str, page: int, page_size: int):
    """One page of the customer's refunds, latest first, each with its sources; and the total."""
    with uow:
        customer = customer_for(uow, customer_id)
        order = (Refund.refunded_on.desc(), Refund.created_at.desc(), Refund.id)
        rows, total = uow.refunds.page(customer.id, order, page, page_size)
        return [(r, refund_sources(uow, r.id)) for r in rows], total
