"""The ledger's arithmetic in plain Python: balances, outstanding amounts, ageing, the statement.

An entry moves three things at once (see store.models.LedgerEntry): the customer's balance
(`amount`), one invoice's outstanding amount (`invoice_delta`) and one credit source's unallocated
amount (`source_delta`). For every entry `amount == invoice_delta - source_delta`, so at any date

    balance == total outstanding on invoices - total unallocated credit

and the statement, the account figures and the reconciliation all add up the same entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .money import ZERO, cents

BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")
ITEM_KINDS = {
    "invoice": "Invoice",
    "invoice_void": "Invoice voided",
    "credit_note": "Credit note",
    "payment": "Payment",
    "account_credit": "Account credit",
    "payment_reversal": "Payment reversed",
    "refund": "Refund",
}
# Entries that move money between a credit source and an invoice only (the balance stays):
# an allocation and its undoing, a de-allocation.
ALLOCATION_KINDS = ("allocation", "deallocation")


@dataclass(frozen=True)
class Entry:
    entry_date: date
    kind: str
    document_id: str
    reference: str
    amount: Decimal
    invoice_id: str | None = None
    invoice_delta: Decimal = ZERO
    source_id: str | None = None
    source_type: str | None = None
    source_delta: Decimal = ZERO
    due_date: date | None = None
    seq: int = 0

    @classmethod
    def of(cls, row) -> Entry:
        return cls(
            entry_date=row.entry_date,
            kind=row.kind,
            document_id=row.document_id,
            reference=row.reference,
            amount=Decimal(row.amount),
            invoice_id=row.invoice_id,
            invoice_delta=Decimal(row.invoice_delta or 0),
            source_id=row.source_id,
            source_type=row.source_type,
            source_delta=Decimal(row.source_delta or 0),
            due_date=row.due_date,
            seq=row.id or 0,
        )


def ordered(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.entry_date, e.seq))


def upto(entries: Iterable[Entry], as_at: date) -> list[Entry]:
    return [e for e in entries if e.entry_date <= as_at]


def balance(entries: Iterable[Entry]) -> Decimal:
    return cents(sum((e.amount for e in entries), ZERO))


def _sums(pairs: Iterable[tuple[str | None, Decimal]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for key, delta in pairs:
        if key:
            out[key] = out.get(key, ZERO) + delta
    return out


def outstanding_by_invoice(entries: Iterable[Entry]) -> dict[str, Decimal]:
    return _sums((e.invoice_id, e.invoice_delta) for e in entries)


def unallocated_by_source(entries: Iterable[Entry]) -> dict[str, Decimal]:
    return _sums((e.source_id, e.source_delta) for e in entries)


def refundable(source_entries: Iterable[Entry], on: date) -> Decimal:
    """What can be taken from one credit source by an entry dated `on` without its unallocated
    amount going below 0 on any date from then on: the least it is unallocated at `on` and at
    each later date one of its entries moves it. (An undo dated in the past must leave every
    statement as at a date after it possible.)"""
    mine = ordered(source_entries)
    dates = sorted({on} | {e.entry_date for e in mine if e.entry_date > on})
    return cents(min(sum((e.source_delta for e in mine if e.entry_date <= d), ZERO) for d in dates))


def bucket_for(days_overdue: int) -> str:
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "1_30"
    if days_overdue <= 60:
        return "31_60"
    if days_overdue <= 90:
        return "61_90"
    return "over_90"


@dataclass(frozen=True)
class OpenInvoice:
    invoice_id: str
    reference: str
    invoice_date: date
    due_date: date
    total: Decimal
    outstanding: Decimal

    def days_overdue(self, as_at: date) -> int:
        return (as_at - self.due_date).days


@dataclass(frozen=True)
class OpenCredit:
    source_id: str
    source_type: str
    reference: str
    credit_date: date
    amount: Decimal
    unallocated: Decimal


def open_items(entries: list[Entry]) -> tuple[list[OpenInvoice], list[OpenCredit]]:
    """Invoices with something outstanding and credits with something unallocated, oldest first."""
    outstanding = outstanding_by_invoice(entries)
    unallocated = unallocated_by_source(entries)
    invoices, credits = [], []
    for e in ordered(entries):
        if e.kind == "invoice" and e.invoice_id and outstanding.get(e.invoice_id, ZERO) != ZERO:
            invoices.append(
                OpenInvoice(
                    e.invoice_id,
                    e.reference,
                    e.entry_date,
                    e.due_date or e.entry_date,
                    e.invoice_delta,
                    cents(outstanding[e.invoice_id]),
                )
            )
        elif (
            e.kind in ("credit_note", "payment", "account_credit")
            and e.source_id
            and unallocated.get(e.source_id, ZERO)
        ):
            credits.append(
                OpenCredit(
                    e.source_id,
                    e.source_type or e.kind,
                    e.reference,
                    e.entry_date,
                    e.source_delta,
                    cents(unallocated[e.source_id]),
                )
            )
    return invoices, credits


def ageing(invoices: Iterable[OpenInvoice], as_at: date) -> dict[str, Decimal]:
    buckets = dict.fromkeys(BUCKETS, ZERO)
    for inv in invoices:
        buckets[bucket_for(inv.days_overdue(as_at))] += inv.outstanding
    return {k: cents(v) for k, v in buckets.items()}


def overdue(invoice: OpenInvoice, as_at: date) -> bool:
    """Due before the date and still outstanding on it (an open invoice is outstanding)."""
    return invoice.due_date < as_at


def debt_age_days(invoice: OpenInvoice, as_at: date) -> int:
    """Days past due as at the date; 0 while not yet due."""
    return max(0, invoice.days_overdue(as_at))


def debt(invoices: Iterable[OpenInvoice], as_at: date) -> dict:
    """What is overdue as at the date, and the debt age (the oldest overdue invoice's days past due)."""
    late = [i for i in invoices if overdue(i, as_at)]
    return {
        "overdue": cents(sum((i.outstanding for i in late), ZERO)),
        "debt_age_days": max((debt_age_days(i, as_at) for i in late), default=0),
    }


def statement(entries: Iterable[Entry], as_at: date, period_from: date | None = None) -> dict:
    """The statement of account as at `as_at`: one computation for the JSON and the PDF.

    Opening balance before `period_from` (default: the first entry, so opening is 0), the period's
    items with a running balance, the unpaid invoices and unallocated credits as at the date, the
    ageing of what is unpaid, and the totals, which must agree: closing balance = total due −
    unallocated credit. Each unpaid invoice says whether it is overdue and its debt age; the
    summary carries the overdue amount and the debt age (the oldest overdue invoice's).
    """
    known = ordered(upto(entries, as_at))
    if period_from is None:
        period_from = known[0].entry_date if known else as_at
    opening = balance(e for e in known if e.entry_date < period_from)
    running = opening
    items = []
    for e in known:
        if e.entry_date < period_from or e.amount == ZERO:
            continue  # allocations move no balance: they show in the open items instead
        running += e.amount
        items.append(
            {
                "date": e.entry_date,
                "kind": e.kind,
                "description": ITEM_KINDS.get(e.kind, e.kind),
                "reference": e.reference,
                "document_id": e.document_id,
                "debit": cents(e.amount) if e.amount > 0 else ZERO,
                "credit": cents(-e.amount) if e.amount < 0 else ZERO,
                "balance": cents(running),
            }
        )
    invoices, credits = open_items(known)
    total_due = cents(sum((i.outstanding for i in invoices), ZERO))
    total_unallocated = cents(sum((c.unallocated for c in credits), ZERO))
    closing = cents(running)
    return {
        "as_at": as_at,
        "period_from": period_from,
        "opening_balance": cents(opening),
        "items": items,
        "closing_balance": closing,
        "unpaid_invoices": [
            {
                "invoice_id": i.invoice_id,
                "reference": i.reference,
                "invoice_date": i.invoice_date,
                "due_date": i.due_date,
                "total": cents(i.total),
                "outstanding": i.outstanding,
                "days_overdue": debt_age_days(i, as_at),
                "overdue": overdue(i, as_at),
                "debt_age_days": debt_age_days(i, as_at),
            }
            for i in invoices
        ],
        "unallocated_credits": [
            {
                "source_id": c.source_id,
                "type": c.source_type,
                "reference": c.reference,
                "date": c.credit_date,
                "amount": cents(c.amount),
                "unallocated": c.unallocated,
            }
            for c in credits
        ],
        "ageing": ageing(invoices, as_at),
        **debt(invoices, as_at),
        "total_due": total_due,
        "total_unallocated": total_unallocated,
        "balance": closing,
        "adds_up": closing == total_due - total_unallocated,
    }


def aged_debt(entries: Iterable[Entry], as_at: date) -> dict:
    """One customer's line of the aged debtors report as at `as_at`: the summary of their
    statement as at that date (balance, total due, unallocated credit, ageing, overdue, debt age),
    added up by the very functions `statement` uses, so the two agree to the penny."""
    known = upto(entries, as_at)
    invoices, credits = open_items(known)
    return {
        "balance": balance(known),
        "total_due": cents(sum((i.outstanding for i in invoices), ZERO)),
        "total_unallocated": cents(sum((c.unallocated for c in credits), ZERO)),
        "ageing": ageing(invoices, as_at),
        **debt(invoices, as_at),
    }


def owes_or_holds(line: dict) -> bool:
    """A customer the report lists: a balance, or something outstanding or unallocated (an invoice
    and an unallocated payment of the same amount leave a 0 balance that still needs allocating)."""
    return any(line[key] != ZERO for key in ("balance", "total_due", "total_unallocated"))


def debtors_totals(lines: Iterable[dict]) -> dict:
    """The totals row: each amount summed over the lines; the debt age is the oldest line's."""
    lines = list(lines)
    return {
        "customers": len(lines),
        **{
            key: cents(sum((line[key] for line in lines), ZERO))
            for key in ("balance", "total_due", "total_unallocated", "overdue")
        },
        "ageing": {b: cents(sum((line["ageing"][b] for line in lines), ZERO)) for b in BUCKETS},
        "debt_age_days": max((line["debt_age_days"] for line in lines), default=0),
    }
