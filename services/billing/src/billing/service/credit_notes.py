"""Use cases of credit notes: against an invoice (applied to it) or the customer (unallocated
credit until allocated); read and list them."""

from __future__ import annotations

from decimal import Decimal

from fieldbook_shared.problems import Conflict, ValidationFailed

from ..domain import money
from ..domain.money import ZERO, cents
from ..store.models import CreditNote, CreditNoteLine
from ..uow import BillingUnitOfWork
from .cash import apply_credit
from .common import (
    admit,
    balance_changed,
    customer_for,
    line_dict,
    line_rows,
    post_to_ledger,
    priced_lines,
    today,
)


def create_credit_note(uow: BillingUnitOfWork, body: dict) -> CreditNote:
    """Against an invoice (pre-filled with its lines unless given, applied to it) or the customer."""
    with uow:
        invoice = None
        if body.get("invoice_id"):
            # the customer's snapshot is locked before the invoice (the order of the handlers)
            customer_for(uow, uow.invoices.get(str(body["invoice_id"])).customer_id, lock=True)
            invoice = uow.invoices.get(str(body["invoice_id"]), lock=True)
            if invoice.status not in ("issued", "part_paid", "paid"):
                raise Conflict(f"A {invoice.status} invoice cannot be credited.")
            customer_id = invoice.customer_id
            if body.get("customer_id") and str(body["customer_id"]) != customer_id:
                raise ValidationFailed({"customer_id": ["The invoice belongs to another customer."]})
        elif body.get("customer_id"):
            customer_id = str(body["customer_id"])
        else:
            raise ValidationFailed({"customer_id": ["Give the customer or the invoice to credit."]})
        customer = customer_for(uow, customer_id, lock=True)
        if body.get("lines"):
            priced = priced_lines(body["lines"])
        elif invoice is not None:
            priced = [line_dict(line) for line in invoice.lines]
        else:
            raise ValidationFailed({"lines": ["A credit note to a customer needs its lines."]})
        breakdown = body.get("breakdown") or "full"
        printed = money.credit_lines(priced, breakdown, body["description"])
        totals = money.document_totals(priced)
        if totals.total <= ZERO:
            raise ValidationFailed({"lines": ["A credit note must credit more than 0.00."]})
        if invoice is not None:
            credited = cents(
                sum(
                    (
                        c.total
                        for c in uow.session.query(CreditNote).filter_by(
                            tenant_id=uow.tenant_id, invoice_id=invoice.id
                        )
                    ),
                    ZERO,
                )
            )
            if credited + totals.total > invoice.total:
                raise Conflict(
                    f"Crediting {totals.total} would credit more than the invoice's {invoice.total} "
                    f"({credited} is already credited; at most {invoice.total - credited} can be).",
                    invoice_total=str(invoice.total),
                    already_credited=str(credited),
                    requested=str(totals.total),
                )
        note = CreditNote(
            tenant_id=uow.tenant_id,
            customer_id=customer.id,
            number=uow.counters.next("credit_note"),
            invoice_id=invoice.id if invoice else None,
            description=body["description"],
            notes=body.get("notes"),
            credit_date=body.get("credit_date") or today(),
            breakdown=breakdown,
            net=totals.net,
            vat=totals.vat,
            total=totals.total,
            lines=line_rows(CreditNoteLine, printed, uow.tenant_id),
        )
        uow.session.add(note)
        uow.session.flush()
        post_to_ledger(
            uow,
            customer.id,
            entry_date=note.credit_date,
            kind="credit_note",
            document_id=note.id,
            reference=f"CN {note.number}",
            amount=-note.total,
            source_id=note.id,
            source_type="credit_note",
            source_delta=note.total,
        )
        note.record("credit_note.issued")
        if invoice is not None:
            outstanding = cents(uow.ledger.outstanding(invoice.id))
            amount = min(outstanding, note.total)
            if amount > ZERO:
                apply_credit(uow, "credit_note", note.id, customer.id, invoice, amount, note.credit_date)
        balance_changed(uow, customer.id)
        admit(uow, customer, "credit_note")
        uow.commit()
        return note


def get_credit_note(uow: BillingUnitOfWork, credit_note_id: str) -> tuple[CreditNote, Decimal]:
    with uow:
        note = uow.credit_notes.get(credit_note_id)
        note.allocations = uow.allocations.of_source(note.id)  # shown, for de-allocating one
        return note, cents(uow.ledger.unallocated(note.id))


def list_credit_notes(uow: BillingUnitOfWork, customer_id: str, page: int, page_size: int):
    """One page of the customer's credit notes, latest first, each with what is unallocated and its
    allocations; and the total."""
    with uow:
        customer = customer_for(uow, customer_id)
        order = (CreditNote.credit_date.desc(), CreditNote.number.desc())
        rows, total = uow.credit_notes.page(customer.id, order, page, page_size)
        for note in rows:
            note.allocations = uow.allocations.of_source(note.id)
        return [(n, cents(uow.ledger.unallocated(n.id))) for n in rows], total
