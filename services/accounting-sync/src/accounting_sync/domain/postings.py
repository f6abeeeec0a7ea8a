"""Billing's documents as Sage v3.1 wants them (pure: no Sage, no database).

- an issued invoice → a sales invoice: `reference` = our invoice number, one line per VAT rate
  (billing's `vat_breakdown`: net, VAT and total at that rate, the sums of its lines already
  rounded) on the sales ledger account, with Sage's tax rate for that VAT rate;
- a credit note → a sales credit note, the same way (`original_invoice_id` when it credits an
  invoice that reached Sage);
- a payment → a contact payment (`CUSTOMER_RECEIPT`) into the bank account, allocated to the
  invoices it pays (`allocated_artefacts`: the Sage ids of those invoices); what is left of it is
  its payment on account in Sage;
- an allocation made after its payment reached Sage, or a credit note's → a contact allocation
  (`CUSTOMER_ALLOCATION`): the invoice takes the amount, the credit (the payment's payment on
  account, the credit note) gives it (a negative amount);
- a refund of unallocated credit → a contact payment `CUSTOMER_REFUND` out of the bank account,
  allocated to the credit it pays back (payments on account, credit notes).

Amounts are decimal strings with two places, never floats.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")

# billing's payment methods → Sage's payment_method_id (unconfirmed beyond the names Sage lists)
PAYMENT_METHODS = {
    "cash": "CASH",
    "cheque": "CHECK",
    "bank_transfer": "BANK_TRANSFER",
    "card": "CREDIT_DEBIT",
    "direct_debit": "BANK_TRANSFER",
    "other": "ALTERNATIVE_PAYMENT",
}

# Sage's resource and body key per kind of posting
RESOURCES = {
    "invoice": ("sales_invoices", "sales_invoice"),
    "credit_note": ("sales_credit_notes", "sales_credit_note"),
    "payment": ("contact_payments", "contact_payment"),
    # account credit: money taken on account (Commusoft's "Issue Credit": a method, a nominal
    # account, an amount) → a receipt with nothing allocated, all of it a payment on account
    "account_credit": ("contact_payments", "contact_payment"),
    "refund": ("contact_payments", "contact_payment"),
    "allocation": ("contact_allocations", "contact_allocation"),
    # a de-allocation of an allocation made with its payment: the payment's allocations are PUT again
    "deallocation": ("contact_payments", "contact_payment"),
}
# what moves money between a customer's documents in Sage: posted one after another, in the order
# billing made them (a de-allocation frees what a later allocation or refund takes)
MONEY_MOVES = ("allocation", "deallocation", "refund")


class CannotPost(Exception):
    """The document cannot be put to Sage as it stands: a person decides (`needs_review`)."""


def money(value) -> str:
    return str(Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP))


def tax_rates(setting: str) -> dict[Decimal, str]:
    """`"0=GB_ZERO,5=GB_LOWER,20=GB_STANDARD"` → {Decimal("0.00"): "GB_ZERO", …}."""
    out = {}
    for part in setting.split(","):
        rate, _, tax_id = part.partition("=")
        if rate.strip() and tax_id.strip():
            out[Decimal(rate.strip()).quantize(CENT)] = tax_id.strip()
    return out


def reference(kind: str, data: dict) -> str:
    """What Sage's copy carries as `reference` and is found by after a lost answer: the invoice's or
    credit note's number; for a payment, an account credit or a refund, our id (their own
    reference, e.g. a cheque number, is not unique)."""
    if kind in ("invoice", "credit_note"):
        return str(data["number"])
    if kind in ("allocation", "deallocation"):
        return str(data["id"])  # ours only: Sage's allocations carry no reference
    hexed = data["id"].replace("-", "").upper()
    return f"FB-{hexed[:8]}{hexed[-12:]}"  # 23 characters: Sage's length limit is unconfirmed


def _breakdown(data: dict) -> list[dict]:
    rates = data.get("vat_breakdown") or []
    if rates:
        return rates
    # an event from before billing sent its breakdown: the whole document at its average rate
    net, vat = Decimal(str(data["net"])), Decimal(str(data["vat"]))
    rate = (vat * 100 / net).quantize(CENT) if net else Decimal("0.00")
    return [{"rate": rate, "net": net, "vat": vat, "total": Decimal(str(data["total"]))}]


def _lines(label: str, data: dict, ledger_account_id: str, rates: dict[Decimal, str]) -> list[dict]:
    lines = []
    for group in _breakdown(data):
        try:
            rate = Decimal(str(group["rate"])).quantize(CENT)
        except (InvalidOperation, KeyError):
            raise CannotPost(f"{label}: a VAT rate is not a number") from None
        tax_rate_id = rates.get(rate)
        if tax_rate_id is None:
            raise CannotPost(f"{label}: no Sage tax rate for {rate.normalize()}% VAT (set SAGE_TAX_RATES)")
        lines.append(
            {
                "description": f"{label} at {rate.normalize()}% VAT",
                "ledger_account_id": ledger_account_id,
                "quantity": "1",
                "unit_price": money(group["net"]),
                "net_amount": money(group["net"]),
                "tax_rate_id": tax_rate_id,
                "tax_amount": money(group["vat"]),
                "total_amount": money(group["total"]),
            }
        )
    return lines


def sales_invoice(data: dict, contact_id: str, ledger_account_id: str, rates: dict[Decimal, str]) -> dict:
    return {
        "contact_id": contact_id,
        "date": data["invoice_date"],
        "due_date": data["due_date"],
        "reference": reference("invoice", data),
        "invoice_lines": _lines(f"Invoice {data['number']}", data, ledger_account_id, rates),
    }


def sales_credit_note(
    data: dict,
    contact_id: str,
    ledger_account_id: str,
    rates: dict[Decimal, str],
    original_invoice_id: str | None,
) -> dict:
    body = {
        "contact_id": contact_id,
        "date": data["credit_date"],
        "reference": reference("credit_note", data),
        "credit_note_lines": _lines(f"Credit note {data['number']}", data, ledger_account_id, rates),
    }
    if original_invoice_id:
        body["original_invoice_id"] = original_invoice_id
    return body


def standing(allocations: list[dict]) -> list[dict]:
    """The allocations not undone."""
    return [a for a in allocations if not a.get("deallocated")]


def allocations_heard(data: dict, allocations: list[dict]) -> bool:
    """Have we heard of every allocation made with the payment? Its `unallocated` at receipt says
    how much was allocated then; payment.allocated events (even ones undone since) add up to it."""
    allocated_then = Decimal(str(data["amount"])) - Decimal(str(data["unallocated"]))
    heard = sum((Decimal(str(a["amount"])) for a in allocations), Decimal("0.00"))
    return heard >= allocated_then


def _money(
    transaction_type: str, kind: str, data: dict, on: str, contact_id: str, bank: str, arts: list
) -> dict:
    """A contact payment: money in (a receipt) or out (a refund) of the bank account."""
    method = data.get("method") or "other"
    return {
        "transaction_type_id": transaction_type,
        "contact_id": contact_id,
        "bank_account_id": bank,
        "payment_method_id": PAYMENT_METHODS.get(method, "ALTERNATIVE_PAYMENT"),
        "date": str(data[on]),
        "total_amount": money(data["amount"]),
        "reference": reference(kind, data),
        "allocated_artefacts": arts,
    }


def contact_payment(
    data: dict,
    contact_id: str,
    bank_account_id: str,
    invoice_sage_ids: dict[str, str],
    allocations: list[dict],
) -> dict:
    arts = payment_allocations(invoice_sage_ids, allocations)
    return _money("CUSTOMER_RECEIPT", "payment", data, "received_on", contact_id, bank_account_id, arts)


def payment_allocations(invoice_sage_ids: dict[str, str], allocations: list[dict]) -> list[dict]:
    """A receipt's `allocated_artefacts`: its standing allocations made with it (a PUT after a
    de-allocation sends them again)."""
    return [
        {"artefact_id": invoice_sage_ids[a["invoice_id"]], "amount": money(a["amount"])}
        for a in standing(allocations)
    ]


def contact_allocation(data: dict, contact_id: str, invoice_sage_id: str, credit_artefact_id: str) -> dict:
    """Credit already in Sage (a payment on account, a credit note) set against an invoice."""
    amount = money(data["amount"])
    return {
        "transaction_type_id": "CUSTOMER_ALLOCATION",
        "contact_id": contact_id,
        "date": str(data["allocated_on"]),
        "allocated_artefacts": [
            {"artefact_id": invoice_sage_id, "amount": amount},
            {"artefact_id": credit_artefact_id, "amount": money(-Decimal(amount))},
        ],
    }


def same_artefacts(found: dict, body: dict) -> bool:
    """Is Sage's allocation `found` the one `body` asks for (after a lost answer: Sage's allocations
    carry no reference of ours)?"""

    def key(items, artefact_id):
        return sorted((artefact_id(a), money(a["amount"])) for a in items)

    return key(found.get("allocated_artefacts") or [], lambda a: (a.get("artefact") or {}).get("id")) == key(
        body["allocated_artefacts"], lambda a: a["artefact_id"]
    )


def customer_refund(data: dict, contact_id: str, bank_account_id: str, credit_artefacts: list[dict]) -> dict:
    """`credit_artefacts`: [{artefact_id, amount}] — the payments on account and credit notes the
    refund pays back, as billing took them (`sources`)."""
    return _money(
        "CUSTOMER_REFUND", "refund", data, "refunded_on", contact_id, bank_account_id, credit_artefacts
    )
