"""The simulator's sales documents and contact payments (Sage v3.1): `/sales_invoices`,
`/sales_credit_notes`, `/contact_payments` — create (idempotent like contacts), get, list (by
`contact_id`, `search` over the reference), delete (an invoice or credit note is voided and stays
with status VOID; a contact payment goes, and gives its allocations back).

Contact payments: a `CUSTOMER_RECEIPT` is allocated to invoices (`allocated_artefacts`); what is
left of it is its `payment_on_account` (an artefact of its own, with `outstanding_amount`: the
simulator gives every receipt one, 0 when fully allocated), which contact allocations
(`allocations.py`) and refunds take from. A `CUSTOMER_REFUND` pays credit back: its artefacts are
credit notes and payments on account, and they add up to its total. A receipt's
`allocated_artefacts` can be replaced by a PUT (a de-allocation); its payment on account takes the
difference. Deleting a receipt deletes the contact allocations that took from its payment on
account (refused while a refund took from it); deleting a refund gives the credit back.

Amounts are decimal strings in and out (Sage accepts numbers too; floats never enter our side).
What Sage checks that our adapter must get right is checked here: the contact exists, every line
names its ledger account, a receipt names the bank account, and an allocation neither names an
unknown artefact nor takes an invoice below nothing outstanding (422 naming the field).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .store import Store, new_object, now_iso

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
        # set by allocations.py: a deleted receipt's payment on account takes its allocations along
        self.on_payment_deleted: Callable[[str, str], None] | None = None
        store.extras.setdefault("documents", {})  # (business, kind) → id → document
        for kind in KINDS:
            store.counters.setdefault(f"{kind}_created", 0)

    def _of(self, business: str, kind: str) -> dict[str, dict]:
        return self.store.extras["documents"].setdefault((business, kind), {})

    def artefact(self, business: str, artefact_id, contact_id: str) -> tuple[str, dict] | None:
        """An invoice, credit note or payment on account of this contact: (kind, the object whose
        `outstanding_amount` an allocation changes)."""
        for kind in ("sales_invoices", "sales_credit_notes"):
            doc = self._of(business, kind).get(artefact_id)
            if doc is not None and doc["contact"]["id"] == contact_id and doc["status"]["id"] != "VOID":
                return kind, doc
        for payment in self._of(business, "contact_payments").values():
            poa = payment.get("payment_on_account")
            if poa and poa["id"] == artefact_id and payment["contact"]["id"] == contact_id:
                return "payments_on_account", poa
        return None

    def take(
        self, business: str, contact_id: str, artefacts, accepted: tuple[str, ...], positions=None
    ) -> list:
        """Check `allocated_artefacts` (each of `accepted` kinds, of the contact, a positive amount not
        above what is outstanding on it): [(kind, object, amount)]. Nothing changes (Refused → 422
        naming `allocated_artefacts[i]`, i from `positions` when given)."""
        out: list[tuple[str, dict, Decimal]] = []
        field = "allocated_artefacts"
        if not isinstance(artefacts, list):
            raise Refused(f"{field} must be a list", field)
        for n, art in enumerate(artefacts):
            i = positions[n] if positions else n
            found = self.artefact(business, (art or {}).get("artefact_id"), contact_id)
            if found is None or found[0] not in accepted:
                raise Refused("Artefact is not valid", f"{field}[{i}].artefact_id")
            amount = _amount(art.get("amount"), f"{field}[{i}].amount")
            if amount <= 0 or amount > Decimal(found[1]["outstanding_amount"]):
                raise Refused("Amount exceeds the outstanding amount", f"{field}[{i}].amount")
            out.append((found[0], found[1], amount))
        return out

    def create(self, business: str, kind: Kind, data: dict) -> dict:
        """Store a new document (the caller holds the store's lock); Refused → 422."""
        contact_id = data.get("contact_id")
        if not contact_id or self.store.get(business, contact_id) is None:
            raise Refused("Contact is not valid", "contact_id")
        if not data.get("date"):
            raise Refused("Date can't be blank", "date")
        doc = {
            **copy.deepcopy(data),
            **new_object(kind.path),
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
        self._of(business, kind.path)[doc["id"]] = doc
        self.store.counters[f"{kind.path}_created"] += 1
        return copy.deepcopy(doc)

    def _receipt(self, business: str, data: dict, doc: dict) -> None:
        kind = data.get("transaction_type_id")
        if kind not in ("CUSTOMER_RECEIPT", "CUSTOMER_REFUND"):
            raise Refused("Transaction type is not valid", "transaction_type_id")
        if not data.get("bank_account_id"):
            raise Refused("Bank account can't be blank", "bank_account_id")
        total = _amount(data.get("total_amount"), "total_amount")
        accepted = (
            ("sales_invoices",)
            if kind == "CUSTOMER_RECEIPT"
            else ("sales_credit_notes", "payments_on_account")
        )
        wanted = self.take(business, data["contact_id"], data.get("allocated_artefacts") or [], accepted)
        allocated = sum((amount for _, _, amount in wanted), Decimal("0.00"))
        if allocated > total:
            raise Refused("Allocations exceed the total amount", "allocated_artefacts")
        if kind == "CUSTOMER_REFUND" and allocated != total:
            raise Refused("A refund's allocations must add up to its total", "allocated_artefacts")
        _apply(wanted, -1)
        doc["total_amount"] = str(total)
        doc["allocated_artefacts"] = _shown(wanted)
        if kind == "CUSTOMER_RECEIPT":
            left = str(total - allocated)
            doc["payment_on_account"] = {
                "id": uuid.uuid4().hex,
                "displayed_as": f"Payment on account {data.get('reference') or ''}".strip(),
                "total_amount": left,
                "outstanding_amount": left,
            }

    def update_payment(self, business: str, doc_id: str, data: dict) -> dict | None:
        """PUT /contact_payments/{id}: a receipt's `allocated_artefacts` replaced (its payment on
        account takes the difference); `reference` and `date` as sent. None when unknown."""
        with self.store.lock:
            doc = self._of(business, "contact_payments").get(doc_id)
            if doc is None:
                return None
            if "allocated_artefacts" in data:
                if doc["transaction_type_id"] != "CUSTOMER_RECEIPT":
                    raise Refused("Only a receipt's allocations can be changed", "allocated_artefacts")
                old = self._held(business, doc)
                _apply(old, +1)  # given back first: the new ones may take the same invoices again
                try:
                    wanted = self.take(
                        business, doc["contact"]["id"], data["allocated_artefacts"], ("sales_invoices",)
                    )
                    poa = doc["payment_on_account"]
                    left = Decimal(poa["outstanding_amount"]) + _sum(old) - _sum(wanted)
                    if left < 0:
                        raise Refused("Allocations exceed the total amount", "allocated_artefacts")
                except Refused:
                    _apply(old, -1)
                    raise
                _apply(wanted, -1)
                poa["outstanding_amount"] = str(left)
                doc["allocated_artefacts"] = _shown(wanted)
            for name in ("reference", "date"):
                if name in data:
                    doc[name] = data[name]
            doc["updated_at"] = now_iso()
            return copy.deepcopy(doc)

    def _held(self, business: str, doc: dict) -> list:
        """What a contact payment's allocated_artefacts hold: [(kind, object, amount)]."""
        out = []
        for art in doc.get("allocated_artefacts") or []:
            found = self.artefact(business, art["artefact"]["id"], doc["contact"]["id"])
            if found is not None:
                out.append((found[0], found[1], Decimal(art["amount"])))
        return out

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
                poa = doc.get("payment_on_account")
                if poa and any(poa["id"] in _artefact_ids(d) for d in docs.values() if d is not doc):
                    return "A refund was allocated from this payment on account: delete the refund first"
                if poa and self.on_payment_deleted is not None:
                    self.on_payment_deleted(business, poa["id"])  # its contact allocations go with it
                _apply(self._held(business, doc), +1)
                del docs[doc_id]
                return True
            if not void_reason:
                return "void_reason can't be blank"
            doc["status"] = {"id": "VOID"}
            doc["void_reason"] = void_reason
            doc["updated_at"] = now_iso()
            return True


def _apply(held: list, sign: int) -> None:
    """Take (-1) or give back (+1) each amount on the object's outstanding amount."""
    for _, obj, amount in held:
        obj["outstanding_amount"] = str(Decimal(obj["outstanding_amount"]) + sign * amount)


def _sum(held: list) -> Decimal:
    return sum((amount for _, _, amount in held), Decimal("0.00"))


def _shown(held: list) -> list[dict]:
    return [{"artefact": {"id": obj["id"]}, "amount": str(amount)} for _, obj, amount in held]


def _artefact_ids(doc: dict) -> set[str]:
    return {a["artefact"]["id"] for a in doc.get("allocated_artefacts") or []}
