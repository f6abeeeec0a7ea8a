"""The simulator's contact allocations (Sage v3.1 `/contact_allocations`): credit already on a
contact's account (a receipt's payment on account, a sales credit note) set against its invoices.

`POST {"contact_allocation": {transaction_type_id: "CUSTOMER_ALLOCATION", contact_id, date,
allocated_artefacts: [{artefact_id, amount}]}}`: an invoice takes a positive amount, a credit
(payment on account, credit note) a negative one, and they add up to nothing — the simulator's
reading of Sage's reference, where the sign convention is not spelled out. Each amount is at most
what is outstanding on its artefact (422 naming the field). Idempotent like every create
(`idempotency_id` at the root). GET lists them (`contact_id`, `transaction_type_id`), `GET /{id}`;
`DELETE /{id}` undoes one: the amounts go back, and it stays visible to the admin endpoint with
`deleted_at` (Sage lists deleted ones by `deleted_since` only).
"""

from __future__ import annotations

import copy
import uuid
from decimal import Decimal

from .documents import Documents, Refused, _amount
from .store import Store, new_object, now_iso

ALLOCATION = "CUSTOMER_ALLOCATION"
CREDITS = ("sales_credit_notes", "payments_on_account")


class Allocations:
    def __init__(self, store: Store, documents: Documents):
        self.store = store
        self.documents = documents
        store.extras.setdefault("allocations", {})  # business → id → allocation
        store.counters.setdefault("contact_allocations_created", 0)
        documents.on_payment_deleted = self._payment_deleted

    def _of(self, business: str) -> dict[str, dict]:
        return self.store.extras["allocations"].setdefault(business, {})

    def create(self, business: str, data: dict) -> dict:
        """Store a new allocation (the caller holds the store's lock); Refused → 422."""
        if data.get("transaction_type_id") != ALLOCATION:
            raise Refused("Transaction type is not valid", "transaction_type_id")
        contact_id = data.get("contact_id")
        if not contact_id or self.store.get(business, contact_id) is None:
            raise Refused("Contact is not valid", "contact_id")
        arts = data.get("allocated_artefacts")
        if not isinstance(arts, list) or len(arts) < 2:
            raise Refused("An allocation needs an invoice and a credit", "allocated_artefacts")
        debits, credits = [], []
        for i, art in enumerate(arts):
            amount = _amount((art or {}).get("amount"), f"allocated_artefacts[{i}].amount")
            (debits if amount > 0 else credits).append((i, {**art, "amount": str(abs(amount))}))
        held = []
        for group, accepted in ((debits, ("sales_invoices",)), (credits, CREDITS)):
            positions = [i for i, _ in group]
            held += self.documents.take(business, contact_id, [a for _, a in group], accepted, positions)
        signed = [(kind, obj, amt if kind == "sales_invoices" else -amt) for kind, obj, amt in held]
        if sum((amt for _, _, amt in signed), Decimal("0.00")) != 0:
            raise Refused("The allocated amounts must add up to nothing", "allocated_artefacts")
        for _, obj, amount in held:
            obj["outstanding_amount"] = str(Decimal(obj["outstanding_amount"]) - amount)
        allocation = {
            **new_object("contact_allocations"),
            "deleted_at": None,
            "date": data.get("date"),
            "transaction_type": {"id": ALLOCATION},
            "contact": {"id": contact_id},
            "allocated_artefacts": [
                {"id": uuid.uuid4().hex, "artefact": {"id": obj["id"]}, "amount": str(amt)}
                for _, obj, amt in signed
            ],
        }
        self._of(business)[allocation["id"]] = allocation
        self.store.counters["contact_allocations_created"] += 1
        return copy.deepcopy(allocation)

    def query(self, business: str, contact_id: str | None = None, deleted: bool = False) -> list[dict]:
        with self.store.lock:
            return [
                copy.deepcopy(a)
                for a in self._of(business).values()
                if (deleted or a["deleted_at"] is None)
                and (not contact_id or a["contact"]["id"] == contact_id)
            ]

    def get(self, business: str, allocation_id: str) -> dict | None:
        with self.store.lock:
            a = self._of(business).get(allocation_id)
            return copy.deepcopy(a) if a and a["deleted_at"] is None else None

    def delete(self, business: str, allocation_id: str) -> bool:
        """Undo it: every amount back on its artefact. False when unknown or deleted already."""
        with self.store.lock:
            a = self._of(business).get(allocation_id)
            if a is None or a["deleted_at"] is not None:
                return False
            for art in a["allocated_artefacts"]:
                found = self.documents.artefact(business, art["artefact"]["id"], a["contact"]["id"])
                if found is not None:
                    obj, amount = found[1], abs(Decimal(art["amount"]))
                    obj["outstanding_amount"] = str(Decimal(obj["outstanding_amount"]) + amount)
            a["deleted_at"] = a["updated_at"] = now_iso()
            return True

    def _payment_deleted(self, business: str, poa_id: str) -> None:
        """A receipt deleted: the allocations that took from its payment on account go first."""
        for a in list(self._of(business).values()):
            if a["deleted_at"] is None and any(
                x["artefact"]["id"] == poa_id for x in a["allocated_artefacts"]
            ):
                self.delete(business, a["id"])
