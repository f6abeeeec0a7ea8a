"""billing's part of a customer's timeline (the gateway merges it with the other services').

Each record is one entry at its creation: quotes, jobs, invoices, credit notes, payments, account
credit and refunds, with its number, status and amount; the entry's title says them for a person.
"""

from fieldbook_shared.timeline import Source, money, timeline_blueprint

from ..store.models import CreditNote, Invoice, Job, Payment, Quote, Refund


def _money(title: str, amount, summary, status: str, link: str) -> dict:
    """An entry of money: its title ends with the amount ("Invoice 12 issued, £120.00")."""
    return {
        "title": f"{title}, £{amount:.2f}",
        "summary": summary,
        "status": status,
        "amount": money(amount),
        "links": {"self": link},
    }


def _document(name: str, route: str):
    """Quotes, jobs and invoices: a number, a status and a total."""

    def entry(record) -> dict:
        title = f"{name} {record.number} {record.status.replace('_', ' ')}"
        return _money(title, record.total, record.description, record.status, f"/v1/{route}/{record.id}")

    return entry


def _credit_note(note: CreditNote) -> dict:
    title = f"Credit note {note.number}"
    return _money(title, note.total, note.description, "issued", f"/v1/credit-notes/{note.id}")


def _payment(payment: Payment) -> dict:
    summary = payment.reversal_reason or payment.reference
    if payment.kind == "account_credit":
        link = f"/v1/customers/{payment.customer_id}/account-credit/{payment.id}"
        return _money("Account credit", payment.amount, summary, payment.status, link)
    title = f"Payment {payment.status} by {payment.method}"
    return _money(title, payment.amount, summary, payment.status, f"/v1/payments/{payment.id}")


def _refund(refund: Refund) -> dict:
    link = f"/v1/customers/{refund.customer_id}/refunds/{refund.id}"
    return _money(f"Refund by {refund.method}", refund.amount, refund.reference, "refunded", link)


SOURCES = [
    Source(("quote",), Quote, _document("Quote", "quotes")),
    Source(("job",), Job, _document("Job", "jobs")),
    Source(("invoice",), Invoice, _document("Invoice", "invoices")),
    Source(("credit_note",), CreditNote, _credit_note, work_address=None),
    # one table: `kind` is payment or account_credit
    Source(("account_credit", "payment"), Payment, _payment, kind_column="kind", work_address=None),
    Source(("refund",), Refund, _refund, work_address=None),
]

blp = timeline_blueprint(SOURCES)
