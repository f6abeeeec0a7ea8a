"""The simulator's sales documents and contact payments (Sage v3.1): `/sales_invoices`,
`/sales_credit_notes`, `/contact_payments` — create (idempotent like contacts), get, list (by
`contact_id`, `search` over the reference), delete (an invoice or credit note is voided and stays
with status VOID; a contact payment goes, and gives its allocations back to the invoices).

Amounts are decimal strings in and out (Sage accepts numbers too; floats never enter our side).
What Sage checks that our adapter must get right is checked here: the contact exists, every line
names its ledger account, a receipt names the bank account, and an allocation neither names an
unknown artefact nor takes an invoice below nothing outstanding (422 naming the field).
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .store import Store, now_iso

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Kind:
    path: str  # sales_invoices
    wrapper: str  # the body's key: sales_invoice
    lines: str | None  # invoice_lines / credit_note_lines; None for payments


KINDS = {
    k.path: k
    for k in (
        Kind("sales_invoices", "sales_invoice", "invoice_lines"),
        Kind("sales_credit_notes", "sales_credit_note", "credit_note_lines"),
        Kind("contact_payments", "contact_payment", None),
    )
}


class Refused(Exception):
    """Sage's 422: `source` names the field."""

    def __init__(self, message: str, source: str):
        super().__init__(message)
        self.source = source


def _amount(value, source: str) -> Decimal:
    try:
        return Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise Refused(f"{source} must be an amount", source) from None


def _lines(kind: Kind, data: dict) -> tuple[list[dict], Decimal, Decimal]:
    lines = data.get(kind.lines or "")
    if not isinstance(lines, list) or not lines:
        raise Refused(f"{kind.lines} can't be blank", kind.lines or "")
    out, net, tax = [], Decimal("0.00"), Decimal("0.00")
    for i, line in enumerate(lines):
        where = f"{kind.lines}[{i}]"
        if not isinstance(line, dict) or not (line.get("description") or "").strip():
            raise Refused("Description can't be blank", f"{where}.description")
        if not line.get("ledger_account_id"):
            raise Refused("Ledger account can't be blank", f"{where}.ledger_account_id")
        unit = _amount(line.get("unit_price"), f"{where}.unit_price")
        qty = Decimal(str(line.get("quantity", 1)))
        line_net = _amount(line.get("net_amount", unit * qty), f"{where}.net_amount")
        line_tax = _amount(line.get("tax_amount", "0"), f"{where}.tax_amount")
        net, tax = net + line_net, tax + line_tax
        out.append(
            {
                **copy.deepcopy(line),
                "id": uuid.uuid4().hex,
                "net_amount": str(line_net),
                "tax_amount": str(line_tax),
                "total_amount": str(line_net + line_tax),
            }
        )
    return out, net, tax


class Documents:
    """The documents of every business, in the simulator's store (its lock, its counters)."""

    def __init__(self, store: Store):
        self.store = store
        store.extras.setdefault("documents", {})  # (business, kind) → id → document
        for kind in KINDS:
            store.counters.setdefault(f"{kind}_created", 0)

    def _of(self, business: str, kind: str) -> dict[str, dict]:
        return self.store.extras["documents"].setdefault((business, kind), {})

    def create(self, business: str, kind: Kind, data: dict) -> dict:
        """Store a new document (the caller holds the store's lock); Refused → 422."""
        contact_id = data.get("contact_id")
        if not contact_id or self.store.get(business, contact_id) is None:
            raise Refused("Contact is not valid", "contact_id")
        if not data.get("date"):
            raise Refused("Date can't be blank", "date")
        doc_id = uuid.uuid4().hex
        stamp = now_iso()
        doc = {
            **copy.deepcopy(data),
            "id": doc_id,
            "$path": f"/{kind.path}/{doc_id}",
            "created_at": stamp,
            "updated_at": stamp,
            "contact": {"id": contact_id},
            "status": {"id": "UNPAID"},
        }
        if kind.lines:
            lines, net, tax = _lines(kind, data)
            doc[kind.lines] = lines
            total = net + tax
            doc.update(net_amount=str(net), tax_amount=str(tax), total_amount=str(total))
            doc["outstanding_amount"] = str(total)
            original = data.get("original_invoice_id")
            if original and original not in self._of(business, "sales_invoices"):
                raise Refused("Original invoice is not valid", "original_invoice_id")
        else:
            self._receipt(business, data, doc)
        self._of(business, kind.path)[doc_id] = doc
        self.store.counters[f"{kind.path}_created"] += 1
        return copy.deepcopy(doc)

    def _receipt(self, business: str, data: dict, doc: dict) -> None:
        if data.get("transaction_type_id") not in ("CUSTOMER_RECEIPT", "VENDOR_PAYMENT"):
            raise Refused("Transaction type is not valid", "transaction_type_id")
        if not data.get("bank_account_id"):
            raise Refused("Bank account can't be blank", "bank_account_id")
        total = _amount(data.get("total_amount"), "total_amount")
        invoices = self._of(business, "sales_invoices")
        wanted: list[tuple[dict, Decimal]] = []
        allocated = Decimal("0.00")
        for i, art in enumerate(data.get("allocated_artefacts") or []):
            invoice = invoices.get((art or {}).get("artefact_id"))
            if invoice is None or invoice["contact"]["id"] != data["contact_id"]:
                raise Refused("Artefact is not valid", f"allocated_artefacts[{i}].artefact_id")
            amount = _amount(art.get("amount"), f"allocated_artefacts[{i}].amount")
            if amount > Decimal(invoice["outstanding_amount"]):
                raise Refused("Amount exceeds the outstanding amount", f"allocated_artefacts[{i}].amount")
            wanted.append((invoice, amount))
            allocated += amount
        if allocated > total:
            raise Refused("Allocations exceed the total amount", "allocated_artefacts")
        for invoice, amount in wanted:
            invoice["outstanding_amount"] = str(Decimal(invoice["outstanding_amount"]) - amount)
        doc["total_amount"] = str(total)
        doc["allocated_artefacts"] = [
            {"artefact": {"id": inv["id"]}, "amount": str(amount)} for inv, amount in wanted
        ]

    def get(self, business: str, kind: str, doc_id: str) -> dict | None:
        with self.store.lock:
            doc = self._of(business, kind).get(doc_id)
            return copy.deepcopy(doc) if doc else None

    def query(
        self, business: str, kind: str, contact_id: str | None = None, search: str | None = None
    ) -> list[dict]:
        """`search`: the reference contains it (ignoring case), as Sage's search does for documents."""
        with self.store.lock:
            out = []
            for doc in self._of(business, kind).values():
                if contact_id and doc["contact"]["id"] != contact_id:
                    continue
                if search and search.strip().lower() not in (doc.get("reference") or "").lower():
                    continue
                out.append(copy.deepcopy(doc))
            return out

    def delete(self, business: str, kind: str, doc_id: str, void_reason: str | None) -> bool | str:
        """True when done; False when unknown; a message when Sage would refuse (422)."""
        with self.store.lock:
            docs = self._of(business, kind)
            doc = docs.get(doc_id)
            if doc is None:
                return False
            if kind == "contact_payments":
                invoices = self._of(business, "sales_invoices")
                for art in doc.get("allocated_artefacts") or []:
                    invoice = invoices.get(art["artefact"]["id"])
                    if invoice is not None:
                        back = Decimal(invoice["outstanding_amount"]) + Decimal(art["amount"])
                        invoice["outstanding_amount"] = str(back)
                del docs[doc_id]
                return True
            if not void_reason:
                return "void_reason can't be blank"
            doc["status"] = {"id": "VOID"}
            doc["void_reason"] = void_reason
            doc["updated_at"] = now_iso()
            return True
