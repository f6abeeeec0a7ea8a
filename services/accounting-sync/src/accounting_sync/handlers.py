"""What accounting-sync consumes: customers' events.

The consumer only records work: it stores the customer's latest snapshot and marks the row
`pending` in the same transaction as the inbox row. Talking to Sage is the sync loop's job
(`sync.py`), so a slow or throttling Sage never holds up the queue. Snapshots carry `version`:
an older copy arriving late is ignored.
"""

from __future__ import annotations

from fieldbook_shared.db import utcnow
from fieldbook_shared.events import Event

from .domain import refs
from .domain.mapping import to_sage_contact
from .store.models import FAILED, NOT_NEEDED, PENDING, SYNCED, CustomerSync
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
    row = uow.syncs.find(data["id"], lock=True)
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
        return
    if row.removed or data["version"] <= row.snapshot_version:
        return  # merged / deleted here, or an older copy than the one we hold
    before = to_sage_contact(row.snapshot, row.accounts_ref) if row.snapshot else None
    _take_customers_ref(uow, row, data)
    row.snapshot = data
    row.snapshot_version = data["version"]
    if before == to_sage_contact(data, row.accounts_ref):
        if row.status == SYNCED:
            row.pushed_version = data["version"]  # nothing Sage holds changed (e.g. the ref echoed back)
        return
    if row.status in (SYNCED, FAILED):
        row.due_now()
    # pending: the next attempt takes the newer snapshot; needs_review: a person decides first


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


HANDLERS = {
    "customer.created": on_customer_snapshot,
    "customer.updated": on_customer_snapshot,
    "customer.type_changed": on_customer_snapshot,
    "customer.merged": on_customer_merged,
    "customer.deleted": on_customer_deleted,
    "customer.erased": on_customer_erased,
}
