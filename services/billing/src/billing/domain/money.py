"""Money rules in plain Python: line totals, document totals, retentions, due dates.

Each line is rounded on its own (net = quantity × unit price, VAT = net × rate / 100, both
`quantize(CENT, ROUND_HALF_UP)`), and a document's totals are the sums of its lines: what a person
adds up on paper is what the system says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CATEGORIES = ("labour", "parts", "other")


def cents(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class LineTotals:
    net: Decimal
    vat: Decimal
    total: Decimal


def line_totals(quantity: Decimal, unit_price: Decimal, vat_rate: Decimal) -> LineTotals:
    net = cents(Decimal(quantity) * Decimal(unit_price))
    vat = cents(net * Decimal(vat_rate) / Decimal(100))
    return LineTotals(net, vat, net + vat)


def priced_line(line: dict) -> dict:
    """A request line with its net, VAT and total worked out."""
    t = line_totals(line["quantity"], line["unit_price"], line["vat_rate"])
    return {**line, "net": t.net, "vat": t.vat, "total": t.total}


def document_totals(lines: Iterable) -> LineTotals:
    net = vat = ZERO
    for line in lines:
        net += line["net"] if isinstance(line, dict) else line.net
        vat += line["vat"] if isinstance(line, dict) else line.vat
    return LineTotals(cents(net), cents(vat), cents(net + vat))


def vat_breakdown(lines: Iterable) -> list[dict]:
    """Net, VAT and total per VAT rate, lowest rate first: the sums of the lines already rounded,
    so the rates add up to the document's totals exactly (the JSON and the PDF both show this)."""
    rates: dict[Decimal, dict[str, Decimal]] = {}
    for line in lines:
        values = (
            line
            if isinstance(line, dict)
            else {n: getattr(line, n) for n in ("vat_rate", "net", "vat", "total")}
        )
        rate = Decimal(values["vat_rate"]).quantize(CENT)
        group = rates.setdefault(rate, {"net": ZERO, "vat": ZERO, "total": ZERO})
        for name in group:
            group[name] += Decimal(values[name])
    return [
        {"rate": rate, "net": cents(g["net"]), "vat": cents(g["vat"]), "total": cents(g["total"])}
        for rate, g in sorted(rates.items())
    ]


def retention(total: Decimal, pct: Decimal) -> Decimal:
    return cents(Decimal(total) * Decimal(pct) / Decimal(100))


def due_date(invoice_date: date, payment_terms_days: int | None) -> date:
    return invoice_date + timedelta(days=payment_terms_days or 0)


# --- credit notes: the breakdown styles of Commusoft ---------------------------------------------

BREAKDOWNS = ("none", "by_category", "full", "full_by_category")


def credit_lines(lines: list[dict], breakdown: str, description: str) -> list[dict]:
    """The lines a credit note prints, from the priced lines it credits.

    none: one line with the whole amount (per VAT rate, so VAT stays right); by_category: one line
    per category and VAT rate; full: every line; full_by_category: every line, grouped by category.
    The totals are the same in every style: grouping only adds up lines already rounded.
    """
    if breakdown == "full":
        return [dict(line) for line in lines]
    if breakdown == "full_by_category":
        order = {c: i for i, c in enumerate(CATEGORIES)}
        return sorted((dict(line) for line in lines), key=lambda line: order.get(line["category"], 99))
    groups: dict[tuple, dict] = {}
    for line in lines:
        key = (line["category"] if breakdown == "by_category" else "other", Decimal(line["vat_rate"]))
        group = groups.setdefault(
            key,
            {
                "description": description if breakdown == "none" else f"{description} — {key[0]}",
                "quantity": Decimal("1"),
                "unit_price": ZERO,
                "vat_rate": key[1],
                "category": key[0],
                "net": ZERO,
                "vat": ZERO,
                "total": ZERO,
            },
        )
        group["net"] += line["net"]
        group["vat"] += line["vat"]
        group["total"] += line["total"]
        group["unit_price"] = group["net"]
    return list(groups.values())


def credit_limit_refusal(
    credit_limit: Decimal | None, owed: Decimal, work_in_progress: Decimal, quote_total: Decimal
) -> str | None:
    """The refusal message when converting would take the customer over the credit limit, else None."""
    if credit_limit is None:
        return None
    exposure = cents(owed + work_in_progress + quote_total)
    if exposure <= credit_limit:
        return None
    return (
        f"Converting this quote would take the account over its credit limit of {cents(credit_limit)}: "
        f"owed {cents(owed)} + jobs not yet invoiced {cents(work_in_progress)} + this quote "
        f"{cents(quote_total)} = {exposure}. Take a payment or ask accounts to raise the limit."
    )
