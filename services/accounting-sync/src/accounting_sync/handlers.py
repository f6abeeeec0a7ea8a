"""What accounting-sync consumes: customers' events.

The consumer only records work: it stores the customer's latest snapshot and marks the row
`pending` in the same transaction as the inbox row. Talking to Sage is the sync loop's job
(`sync.py`), so a slow or throttling Sage never holds up the queue. Snapshots carry `version`:
an older copy arriving late is ignored.
"""

from __future__ import annotations

from fieldbook_shared.db import utcnow
from fieldbook_shared.events import Event
from fieldbook_shared.messaging import BatchHandler

from .domain import postings as docs
from .domain import refs
from .domain.mapping import to_sage_contact
from .store.models import FAILED, NOT_NEEDED, PENDING, SYNCED, CustomerSync, SagePosting
from .uow import SyncUnitOfWork


def _take_customers_ref(uow: SyncUnitOfWork, row: CustomerSync, data: dict) -> None:
    """The accounts ref on the customer's record (imported from a seed system's "sage ref") is the
    one the sync looks for in Sage first, links with, and creates with. Not once linked: the
    link's ref is the truth then. Not once a create was sent with the row's ref (its contact may
    be in Sage under it, its answer lost). Not when another customer of the tenant holds it: the sync
    still searches Sage by it (`sync.py`), and a contact carrying it goes to a person."""
    ref = refs.customers_ref(data)
    if ref is None or row.sage_contact_id or row.accounts_ref == ref:
        return
    if row.create_sent_ref:
        return  # a create was sent with the row's ref: it may be in Sage under it
    if uow.syncs.holder_of_ref(ref, except_customer=row.customer_id) is None:
        row.accounts_ref = ref


def on_customer_snapshot(uow: SyncUnitOfWork, event: Event) -> None:
    """customer.created / updated / type_changed: keep the newest snapshot; push it if Sage's copy
    would change."""
    data = event.data
    _apply_snapshot(uow, uow.syncs.find(data["id"], lock=True), data)


def on_customer_snapshots(uow: SyncUnitOfWork, events: list[Event]) -> None:
    """`on_customer_snapshot` for a consumer's batch, in order: the customers' rows locked by one
    SELECT, the new ones written by the batch's flush."""
    rows = uow.syncs.find_many([event.data["id"] for event in events])
    for event in events:
        data = event.data
        rows[data["id"]] = _apply_snapshot(uow, rows.get(data["id"]), data)


# a backlog of customer snapshots (an import's) is recorded a batch at a time
CUSTOMER_SNAPSHOT = BatchHandler(on_customer_snapshot, on_customer_snapshots)


def _apply_snapshot(uow: SyncUnitOfWork, row: CustomerSync | None, data: dict) -> CustomerSync:
    """The snapshot kept on the customer's row (`row`, locked; None: not heard of yet); the row."""
    if row is None:
        row = uow.syncs.add(
            CustomerSync(
                customer_id=data["id"],
                status=PENDING,
                action="upsert",
                snapshot=data,
                snapshot_version=data["version"],
                next_attempt_at=utcnow(),
                attempts=0,
                candidates=[],
            )
        )
        _take_customers_ref(uow, row, data)
        return row
    if row.removed or data["version"] <= row.snapshot_version:
        return row  # merged / deleted here, or an older copy than the one we hold
    before = to_sage_contact(row.snapshot, row.accounts_ref) if row.snapshot else None
    _take_customers_ref(uow, row, data)
    row.snapshot = data
    row.snapshot_version = data["version"]
    if before == to_sage_contact(data, row.accounts_ref):
        if row.status == SYNCED:
            row.pushed_version = data["version"]  # nothing Sage holds changed (e.g. the ref echoed back)
        return row
    if row.status in (SYNCED, FAILED):
        row.due_now()
    # pending: the next attempt takes the newer snapshot; needs_review: a person decides first
    return row


def _removed(uow: SyncUnitOfWork, customer_id: str, how: str, survivor_id: str | None = None) -> None:
    row = uow.syncs.find(customer_id, lock=True)
    if row is None:  # removed before we heard of it: a tombstone stops a late customer.created
        uow.syncs.add(
            CustomerSync(
                customer_id=customer_id,
                status=NOT_NEEDED,
                action="none",
                removed=how,
                survivor_id=survivor_id,
                candidates=[],
                attempts=0,
            )
        )
        return
    if row.removed:
        if how == "erased" and row.snapshot:  # merged or deleted before, erased now: forget it here too
            row.snapshot = {"id": customer_id}
        return
    row.removed = how
    row.survivor_id = survivor_id
    row.candidates = []
    if how == "erased" and row.snapshot:
        row.snapshot = {"id": customer_id}  # anonymised here too; Sage keeps the accounts history
    if row.sage_contact_id or row.may_be_in_sage:
        row.action = "deactivate"  # without a contact id, the sync looks for it by its ref first
        row.due_now()
    else:
        row.close_unsent()


def on_customer_merged(uow: SyncUnitOfWork, event: Event) -> None:
    _removed(uow, event.data["merged_id"], "merged", event.data["survivor_id"])


def on_customer_deleted(uow: SyncUnitOfWork, event: Event) -> None:
    _removed(uow, event.data["customer_id"], "deleted")


def on_customer_erased(uow: SyncUnitOfWork, event: Event) -> None:
    customer_id = event.data["customer_id"]
    _removed(uow, customer_id, "erased")
    row = uow.syncs.find(customer_id)
    if row is not None and row.sage_contact_id:
        contact = "marked inactive"
    elif row is not None and row.action == "deactivate":  # a create's answer was lost: found by its ref
        contact = "marked inactive if Sage holds one created for it"
    else:
        contact = "none linked"
    uow.publish(
        "customer.erasure_reported",
        {
            "customer_id": customer_id,
            "service": "accounting-sync",
            "actions": {
                "snapshot_anonymised": True,
                # the accounts history stays in the accounting system; the contact is marked inactive
                "accounts_contact": contact,
            },
        },
        subject=customer_id,
    )


# --- money: billing's documents to post to Sage ---------------------------------------------------
# The consumer only records what to post (a `sage_postings` row, idempotent on tenant + kind +
# source id); the posting loop (`postings.py`) talks to Sage.


def _posting(uow: SyncUnitOfWork, kind: str, source_id: str, customer_id: str | None) -> SagePosting:
    row = uow.postings.find(kind, source_id, lock=True)
    if row is None:
        row = uow.postings.add(
            SagePosting(
                kind=kind,
                source_id=source_id,
                customer_id=customer_id,
                status=PENDING,
                action="post",
                allocations=[],
                attempts=0,
                next_attempt_at=utcnow(),
            )
        )
    return row


def _heard(row: SagePosting, kind: str, data: dict) -> None:
    if row.reference is None:
        row.payload = data
        row.reference = docs.reference(kind, data)


def on_document_issued(uow: SyncUnitOfWork, event: Event) -> None:
    """invoice.issued / credit_note.issued / payment.received / refund.issued: post it (once: a
    repeat, or a document voided before we heard of it, changes nothing)."""
    kind = {
        "invoice.issued": "invoice",
        "credit_note.issued": "credit_note",
        "refund.issued": "refund",
        "account_credit.issued": "account_credit",
    }.get(event.type, "payment")
    data = event.data
    _heard(_posting(uow, kind, data["id"], data["customer_id"]), kind, data)


def _withdraw(row: SagePosting) -> None:
    """Voided / reversed / de-allocated here: Sage's copy goes (the posting loop), or, when it never
    went, nothing is sent."""
    if row.action == "void":
        return
    row.action = "void"
    if row.may_be_in_sage:
        row.due_now()
    else:
        row.status = NOT_NEEDED
        row.last_error = None
        row.next_attempt_at = None


def on_document_withdrawn(uow: SyncUnitOfWork, event: Event) -> None:
    """invoice.voided / payment.reversed: Sage's copy is voided (deleted, for a payment); one that
    never reached Sage is not needed. Heard before the document itself: a tombstone. A reversal's
    own de-allocations (`deallocated`) need no PUT: the contact payment is deleted; its later
    allocations (contact allocations) are deleted first (payment.deallocated)."""
    kind = "invoice" if event.type == "invoice.voided" else "payment"
    data = event.data
    for allocation_id in data.get("deallocated") or []:
        undone = uow.postings.find("deallocation", allocation_id, lock=True)
        if undone is not None and undone.status != NOT_NEEDED:
            undone.status = NOT_NEEDED
            undone.last_error = "the payment was reversed: its contact payment is deleted in Sage"
    _withdraw(_posting(uow, kind, data["id"], data["customer_id"]))


def _made_with_payment(uow: SyncUnitOfWork, data: dict, undone: bool) -> bool:
    """An allocation of a payment that is part of its contact payment: heard before the payment went
    to Sage (it goes with it), or undone after (its allocations are PUT again). False: an
    allocation of its own in Sage (a contact allocation)."""
    payment = _posting(uow, "payment", data["source_id"], data["customer_id"])
    allocations = [dict(a) for a in payment.allocations or []]
    known = next((a for a in allocations if a["id"] == data["id"]), None)
    if payment.may_be_in_sage or payment.action == "void":
        if known is None or not undone or known.get("deallocated"):
            return known is not None
        if payment.action != "void":  # reversed: the contact payment goes, its allocations with it
            _heard(_posting(uow, "deallocation", data["id"], data["customer_id"]), "deallocation", data)
    elif known is None:
        known = {"id": data["id"], "invoice_id": data["invoice_id"], "amount": str(data["amount"])}
        allocations.append(known)
    if undone:
        known["deallocated"] = True
    payment.allocations = allocations  # a new list: the JSON column sees the change
    return True


def on_allocation(uow: SyncUnitOfWork, event: Event) -> None:
    """payment.allocated / payment.deallocated. A payment's allocation heard before the payment went
    to Sage is part of its contact payment; one made after, and a credit note's or an account
    credit's, is a contact allocation of its own (undone: deleted in Sage, or never sent)."""
    data = event.data
    undone = event.type == "payment.deallocated"
    if data["source_type"] not in ("payment", "credit_note", "account_credit"):
        return
    if data["source_type"] == "payment" and _made_with_payment(uow, data, undone):
        return
    row = _posting(uow, "allocation", data["id"], data["customer_id"])
    if undone:
        _withdraw(row)
    else:
        _heard(row, "allocation", data)


HANDLERS = {
    "customer.created": CUSTOMER_SNAPSHOT,
    "customer.updated": CUSTOMER_SNAPSHOT,
    "customer.type_changed": CUSTOMER_SNAPSHOT,
    "customer.merged": on_customer_merged,
    "customer.deleted": on_customer_deleted,
    "customer.erased": on_customer_erased,
    "invoice.issued": on_document_issued,
    "credit_note.issued": on_document_issued,
    "payment.received": on_document_issued,
    "invoice.voided": on_document_withdrawn,
    "payment.reversed": on_document_withdrawn,
    "payment.allocated": on_allocation,
    "payment.deallocated": on_allocation,
    "refund.issued": on_document_issued,
    "account_credit.issued": on_document_issued,
}
