"""Credit notes, payments (cash allocation), account credit, stored cards; and undoing money:
de-allocations, payment reversals, refunds (`undo.py`)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from fieldbook_shared.verbs import adds, blueprint, lister, lists, located
from fieldbook_shared.web import current_uow

from ..service import cash, undo
from ..service.credit_notes import create_credit_note, get_credit_note, list_credit_notes
from .common import with_amount
from .documents import pdf_route, send, sends
from .schemas import (
    AccountCreditInSchema,
    AllocationsInSchema,
    AllocationsResultSchema,
    CardInSchema,
    CardSchema,
    CreditNoteInSchema,
    CreditNoteSchema,
    DeallocatedSchema,
    DeallocateInSchema,
    PaymentInSchema,
    PaymentSchema,
    RefundInSchema,
    RefundSchema,
    ReverseInSchema,
)

credit_notes = blueprint("credit_notes", "/v1/credit-notes", "Credit notes against an invoice or a customer.")
payments = blueprint("payments", "/v1/payments", "Payments and their allocation to invoices.")
account_credit = blueprint(
    "account_credit",
    "/v1/customers/<uuid:customer_id>/account-credit",
    "Account credit: issued to a customer, applied to invoices later.",
)
customer_payments = blueprint(
    "customer_payments", "/v1/customers/<uuid:customer_id>/payments", "A customer's payments, latest first."
)
customer_credit_notes = blueprint(
    "customer_credit_notes",
    "/v1/customers/<uuid:customer_id>/credit-notes",
    "A customer's credit notes, latest first.",
)
refunds = blueprint(
    "refunds",
    "/v1/customers/<uuid:customer_id>/refunds",
    "Refunds: unallocated credit paid back to the customer.",
)
cards = blueprint(
    "cards",
    "/v1/customers/<uuid:customer_id>/cards",
    "Stored cards: the payment provider's token, brand, last 4 digits and expiry only.",
)


def _payment(payment, unallocated, allocations=()):
    with_amount(payment, "unallocated", unallocated)
    return with_amount(payment, "allocations", list(allocations))


def allocation_routes(
    blp: Blueprint, kind: str, source_id: str, allocate_doc: str, deallocate_doc: str
) -> None:
    """POST …/allocations and POST …/allocations/<id>/deallocate of a credit note, a payment or
    account credit (`kind`, its id the URL's `source_id`): one implementation for the three. An
    allocation asks for invoices and amounts and answers the allocations made and what is left
    unallocated; a de-allocation asks for the day and why and answers the allocation undone and where
    source and invoice stand. Account credit's URL names its customer (`customer_id`): the source is
    looked for as that customer's."""

    class Allocations(MethodView):
        @blp.arguments(AllocationsInSchema)
        @blp.response(201, AllocationsResultSchema)
        def post(self, body, customer_id=None, **ids):
            made, unallocated = cash.allocate(
                current_uow(), kind, str(ids[source_id]), body, customer_id=customer_id
            )
            return {"allocations": made, "unallocated": unallocated}, 201

    class Deallocate(MethodView):
        @blp.arguments(DeallocateInSchema)
        @blp.response(200, DeallocatedSchema)
        def post(self, body, allocation_id, customer_id=None, **ids):
            allocation, unallocated, invoice, outstanding = undo.deallocate(
                current_uow(), kind, str(ids[source_id]), str(allocation_id), body, customer_id=customer_id
            )
            return {
                "allocation": allocation,
                "unallocated": unallocated,
                "invoice_id": invoice.id,
                "invoice_status": invoice.status,
                "outstanding": outstanding,
            }

    Allocations.post.__doc__, Deallocate.post.__doc__ = allocate_doc, deallocate_doc
    name = kind.title().replace("_", "")  # the endpoints' prefix: credit_note → CreditNote
    rule = f"/<uuid:{source_id}>/allocations"
    blp.route(rule, endpoint=f"{name}Allocations")(Allocations)
    blp.route(f"{rule}/<uuid:allocation_id>/deallocate", endpoint=f"{name}Deallocate")(Deallocate)


def _refund(row, sources):
    return with_amount(row, "sources", sources)


def _credit_note(credit_note_id):
    """The credit note as its schema shows it: with what is unallocated."""
    note, unallocated = get_credit_note(current_uow(), str(credit_note_id))
    return with_amount(note, "unallocated", unallocated)


@credit_notes.route("")
class CreditNotes(MethodView):
    @adds(credit_notes, CreditNoteInSchema, CreditNoteSchema)
    def post(self, body):
        """Credit an invoice (pre-filled with its lines unless given) or the customer."""
        note = create_credit_note(current_uow(), body)
        return located(_credit_note(note.id), f"/v1/credit-notes/{note.id}")


@credit_notes.route("/<uuid:credit_note_id>")
class CreditNoteItem(MethodView):
    @credit_notes.response(200, CreditNoteSchema)
    def get(self, credit_note_id):
        """Read a credit note."""
        return _credit_note(credit_note_id)


pdf_route(credit_notes, "credit_note", "credit_note_id", CreditNoteSchema, _credit_note)


@credit_notes.route("/<uuid:credit_note_id>/send")
class CreditNoteSend(MethodView):
    @sends(credit_notes)
    def post(self, body, credit_note_id):
        """Email the credit note with its PDF (to the primary contact unless `to`)."""
        return send("credit_note", credit_note_id, body)


allocation_routes(
    credit_notes,
    "credit_note",
    "credit_note_id",
    "Allocate a credit note to invoices.",
    "De-allocate: the invoice owes the amount again, the credit note has it unallocated again.",
)


@customer_credit_notes.route("")
class CustomerCreditNotes(MethodView):
    @lists(customer_credit_notes, CreditNoteSchema(many=True))
    def get(self, customer_id, page):
        """The customer's credit notes, latest first, paged, each with what is unallocated."""
        rows, total = list_credit_notes(current_uow(), str(customer_id), *page)
        return [with_amount(n, "unallocated", u) for n, u in rows], total


@customer_payments.route("")
class CustomerPayments(MethodView):
    @lists(customer_payments, PaymentSchema(many=True))
    def get(self, customer_id, page):
        """The customer's payments, latest first, paged, with what is unallocated and their allocations."""
        rows, total = cash.list_payments(current_uow(), str(customer_id), *page)
        return [_payment(*row) for row in rows], total


@payments.route("")
class Payments(MethodView):
    @adds(payments, PaymentInSchema, PaymentSchema)
    def post(self, body):
        """Record a payment (one method), optionally allocated across invoices with partial amounts."""
        payment, _ = cash.receive_payment(current_uow(), body)
        shown = _payment(*cash.get_payment(current_uow(), payment.id))
        return located(shown, f"/v1/payments/{payment.id}")


@payments.route("/<uuid:payment_id>")
class PaymentItem(MethodView):
    @payments.response(200, PaymentSchema)
    def get(self, payment_id):
        """Read a payment and its allocations."""
        return _payment(*cash.get_payment(current_uow(), str(payment_id)))


allocation_routes(
    payments,
    "payment",
    "payment_id",
    "Allocate what is left of a payment; 409 with the figures when it would over-allocate.",
    "De-allocate: the invoice owes the amount again, the payment has it unallocated again.",
)


@payments.route("/<uuid:payment_id>/reverse")
class PaymentReverse(MethodView):
    @payments.arguments(ReverseInSchema)
    @payments.response(200, PaymentSchema)
    def post(self, body, payment_id):
        """Reverse a payment (a bounced cheque): its allocations undone, its invoices owed again."""
        undo.reverse_payment(current_uow(), str(payment_id), body)
        return _payment(*cash.get_payment(current_uow(), str(payment_id)))


@account_credit.route("")
class AccountCredit(MethodView):
    @lists(account_credit, PaymentSchema(many=True))
    def get(self, customer_id, page):
        """The customer's account credit, latest first, paged, each with what is unallocated."""
        rows, total = cash.list_account_credit(current_uow(), str(customer_id), *page)
        return [_payment(p, u) for p, u in rows], total

    @adds(account_credit, AccountCreditInSchema, PaymentSchema)
    def post(self, body, customer_id):
        """Issue account credit (date, reference, method, nominal account, amount)."""
        credit, _ = cash.issue_account_credit(current_uow(), str(customer_id), body)
        shown = _payment(*cash.get_payment(current_uow(), credit.id))
        return located(shown, f"/v1/customers/{customer_id}/account-credit/{credit.id}")


@account_credit.route("/<uuid:credit_id>")
class AccountCreditItem(MethodView):
    @account_credit.response(200, PaymentSchema)
    def get(self, customer_id, credit_id):
        """Read one account credit of the customer."""
        payment, unallocated, allocations = cash.get_payment(current_uow(), str(credit_id), "account_credit")
        if payment.customer_id != str(customer_id):
            cash.raise_not_found("account_credit")
        return _payment(payment, unallocated, allocations)


allocation_routes(
    account_credit,
    "account_credit",
    "credit_id",
    "Apply account credit to invoices.",
    "De-allocate: the invoice owes the amount again, the account credit is available again.",
)


@refunds.route("")
class Refunds(MethodView):
    @lists(refunds, RefundSchema(many=True))
    def get(self, customer_id, page):
        """The customer's refunds, latest first, paged, each with the credit it was taken from."""
        rows, total = undo.list_refunds(current_uow(), str(customer_id), *page)
        return [_refund(*row) for row in rows], total

    @adds(refunds, RefundInSchema, RefundSchema)
    def post(self, body, customer_id):
        """Refund unallocated credit (at most what is unallocated: 409 with the figures)."""
        row = undo.refund(current_uow(), str(customer_id), body)
        shown = _refund(*undo.get_refund(current_uow(), str(customer_id), row.id))
        return located(shown, f"/v1/customers/{customer_id}/refunds/{row.id}")


@refunds.route("/<uuid:refund_id>")
class RefundItem(MethodView):
    @refunds.response(200, RefundSchema)
    def get(self, customer_id, refund_id):
        """Read one refund of the customer."""
        return _refund(*undo.get_refund(current_uow(), str(customer_id), str(refund_id)))


@cards.route("")
class Cards(MethodView):
    get = lister(
        cards,
        CardSchema(many=True),
        cash.list_cards,
        "The customer's stored cards, oldest first, paged.",
        query=None,
    )

    @adds(cards, CardInSchema, CardSchema)
    def post(self, body, customer_id):
        """Store a card by its provider token. A card number or security code is refused (422)."""
        card = cash.add_card(current_uow(), str(customer_id), body)
        return located(card, f"/v1/customers/{customer_id}/cards/{card.id}")
