"""The sync loop of the worker: takes due `pending` rows and brings Sage in line, one customer at a time.

One attempt:
1. claim (short transaction): the row gets a lease; `FOR UPDATE SKIP LOCKED` on PostgreSQL lets
   several loops (threads or worker processes) share the work;
2. talk to Sage outside any transaction: duplicate prevention, then link / create / update /
   mark inactive;
3. record the outcome (short transaction, only if the lease is still ours): `synced` +
   `accounting.customer_linked`, `needs_review` with the candidates, or a retry time from the
   backoff policy (a 429 waits for its Retry-After and does not count as an attempt); after
   `max_attempts` → `failed` + `accounting.sync_failed`.

A crash between 2 and 3 leaves the row pending; when the lease runs out it is tried again, and the
retry cannot duplicate: the deterministic `idempotency_id` makes Sage replay the first create, and
the matching finds the contact anyway — by its `source_guid` (our customer id), which makes it
ours before any other rule, on the contact carrying the ref saved on the row before the POST. A
ref we chose on a contact without our `source_guid` is someone else's: the ref is taken.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import utcnow
from fieldbook_shared.jobs import poll_loop

from . import events
from .domain import mapping, matching, refs, retry
from .sage import Accounting, SageError
from .settings import SyncSettings
from .store.models import FAILED, NEEDS_REVIEW, PENDING, SYNCED, CustomerSync
from .store.queries import Syncs, business_of, claim_due
from .uow import SyncUnitOfWork

log = logging.getLogger("accounting_sync.sync")
REF_RACE_RETRIES = 3


@dataclass
class Claim:
    """What an attempt works from: a copy of the row taken when it was claimed."""

    row_id: str
    tenant_id: str
    customer_id: str
    token: str
    action: str
    snapshot: dict | None
    snapshot_version: int
    accounts_ref: str | None
    create_sent_ref: str | None
    sage_contact_id: str | None
    deleted_contact_id: str | None
    review_contact_id: str | None
    attempts: int
    removed: str | None
    survivor_ref: str | None
    business_id: str  # the tenant's Sage business


@dataclass
class Outcome:
    kind: str  # linked | created | updated | unlinked (deleted in Sage) | deactivated | review | nothing
    contact_id: str | None = None
    accounts_ref: str | None = None
    candidates: list[dict] = field(default_factory=list)
    reason: str = ""


class SageLoop:
    """What the worker's loops that talk to Sage are built from (the sync engine, the balance
    poller): the settings, sessions, the Sage client and units of work."""

    def __init__(
        self,
        sync_settings: SyncSettings,
        sessions: sessionmaker[Session],
        accounting: Accounting,
        uow_factory: Callable[[RequestContext], SyncUnitOfWork],
    ):
        self.s = sync_settings
        self.sessions = sessions
        self.accounting = accounting
        self.uow_factory = uow_factory


def released(row: Any, token: str, what: str) -> Any:
    """The claimed row, its lease given back, if the lease is still ours (else None: another loop
    took it after the lease ran out, and its outcome counts)."""
    if row is None or row.claim_token != token:
        log.warning("lease on %s lost before the outcome was recorded", what)
        return None
    row.claimed_until = None
    row.claim_token = None
    return row


def log_retry(
    logger: logging.Logger, what: str, attempts: int, then: retry.AfterFailure, exc: Exception
) -> None:
    if then.why == "auth":  # our credentials, not the row's: an operator fixes the login
        logger.error(
            "Sage refused our credentials (check SAGE_REFRESH_TOKEN / SAGE_CLIENT_ID); %s waits %.0fs: %s",
            what,
            then.delay,
            exc,
        )
    elif then.why == "throttled":
        logger.info("%s throttled by Sage; next in %.1fs", what, then.delay)
    else:
        logger.info("%s: attempt %d failed (%s); next in %.1fs", what, attempts, exc, then.delay)


class ClaimLoop(SageLoop):
    """A loop that claims one due row at a time and makes one attempt at Sage for it (the customers'
    sync, the postings): `_claim` → `_attempt` → `_record_success` or `_record_failure`."""

    name = "sync loop"

    def run(self, stop: threading.Event) -> None:
        idle = self.s.loop_idle_seconds
        poll_loop(self.name, lambda stop: self.run_once(), idle, log, error_wait=2.0)(stop)

    def run_once(self) -> bool:
        """One attempt for one due row; False when nothing was due."""
        claim = self._claim()
        if claim is None:
            return False
        try:
            outcome = self._attempt(claim)
        except SageError as exc:
            self._record_failure(claim, exc)
        except Exception as exc:  # a bug must not wedge the row: it backs off like a Sage error
            log.exception("%s: attempt for row %s failed", self.name, claim.row_id)
            self._record_failure(
                claim, SageError(f"internal error: {type(exc).__name__}: {exc}", transient=True)
            )
        else:
            self._record_success(claim, outcome)
        return True

    def drain(self, limit: int = 1000) -> int:
        """Run attempts until nothing is due (tests)."""
        n = 0
        while n < limit and self.run_once():
            n += 1
        return n

    @contextmanager
    def _owned_row(self, claim: Any) -> Iterator[tuple[SyncUnitOfWork, Any]]:
        """A unit of work of the claim's tenant, and in it the claimed row, locked, its lease given
        back; the row is None when the lease was lost (another loop's outcome counts)."""
        uow = self.uow_factory(RequestContext.system(claim.tenant_id, actor="accounting-sync"))
        with uow:
            yield uow, self._owned(uow, claim)

    def _claim(self) -> Any: ...
    def _attempt(self, claim: Any) -> Any: ...
    def _owned(self, uow: SyncUnitOfWork, claim: Any) -> Any: ...
    def _record_success(self, claim: Any, outcome: Any) -> None: ...
    def _record_failure(self, claim: Any, exc: SageError) -> None: ...


class SyncEngine(ClaimLoop):
    """Customers to Sage: claims due rows and links, creates, updates or deactivates each."""

    # -- 1. claim -------------------------------------------------------------------------------

    def _claim(self) -> Claim | None:
        with self.sessions() as session, session.begin():
            row = claim_due(session, timedelta(seconds=self.s.lease_seconds))
            if row is None:
                return None
            row.attempts += 1
            row.last_attempt_at = utcnow()
            survivor_ref = None
            if row.survivor_id:
                survivor = Syncs(session, row.tenant_id).find(row.survivor_id)
                survivor_ref = survivor.accounts_ref if survivor else None
            return Claim(
                row_id=row.id,
                tenant_id=row.tenant_id,
                customer_id=row.customer_id,
                token=row.claim_token,
                action=row.action,
                snapshot=row.snapshot,
                snapshot_version=row.snapshot_version,
                accounts_ref=row.accounts_ref,
                create_sent_ref=row.create_sent_ref,
                sage_contact_id=row.sage_contact_id,
                deleted_contact_id=row.deleted_contact_id,
                review_contact_id=row.review_contact_id,
                attempts=row.attempts,
                removed=row.removed,
                survivor_ref=survivor_ref,
                business_id=business_of(session, row.tenant_id, self.s.sage_business_id),
            )

    # -- 2. Sage --------------------------------------------------------------------------------

    def _sage(self, c: Claim) -> Accounting:
        """The accounting package, speaking to this customer's tenant's business."""
        return self.accounting.for_business(c.business_id)

    def _attempt(self, c: Claim) -> Outcome:
        if c.removed and not c.sage_contact_id and c.action == "deactivate":
            # removed while a create may have reached Sage (its answer lost): find our own contact
            c.sage_contact_id = self._own_contact_by_ref(c)
        if c.action == "none" or (c.removed and not c.sage_contact_id):
            return Outcome("nothing")
        if c.action == "deactivate" or c.removed:
            return self._deactivate(c)
        if c.snapshot is None:
            return Outcome("nothing")
        if c.action == "link":
            contact = self._sage(c).get_contact(c.review_contact_id)
            if contact is None:
                raise SageError(f"Sage has no contact {c.review_contact_id} to link to", 404)
            return self._link(c, contact, "linked by a person")
        if c.action == "create":
            return self._create(c)
        if c.sage_contact_id:
            return self._update(c)
        return self._match(c)

    def _deactivate(self, c: Claim) -> Outcome:
        """Mark the customer's Sage contact inactive (removed: merged, erased or deleted)."""
        reason = {"merged": "merged into another customer", "erased": "erased"}.get(
            c.removed or "", "deleted"
        )
        sage = self._sage(c)
        contact = sage.get_contact(c.sage_contact_id)  # its notes: ours go under them
        if contact is None:  # deleted in Sage: nothing left to mark inactive
            log.info("contact %s of %s is gone from Sage: nothing to mark inactive", *self._ids(c))
            return Outcome("deactivated", c.sage_contact_id, c.accounts_ref)
        body = mapping.inactive_contact(contact.get("notes"), c.survivor_ref, reason)
        if body is not None:
            try:
                sage.update_contact(c.sage_contact_id, body)
            except SageError as exc:
                if exc.status != 404:
                    raise
                log.info("contact %s of %s went from Sage meanwhile", *self._ids(c))
        return Outcome("deactivated", c.sage_contact_id, c.accounts_ref)

    def _update(self, c: Claim) -> Outcome:
        """Send the customer's record to its linked Sage contact."""
        body = mapping.contact_update(c.snapshot, c.accounts_ref)
        try:
            self._sage(c).update_contact(c.sage_contact_id, body)
        except SageError as exc:
            if exc.status != 404:
                raise
            # deleted in Sage: the link is dead. The next attempt matches again (link, create
            # with the same ref, or a person decides)
            return Outcome(
                "unlinked",
                reason=f"Sage contact {c.sage_contact_id} was deleted in Sage; matching again",
            )
        return Outcome("updated", c.sage_contact_id, c.accounts_ref)

    def _match(self, c: Claim) -> Outcome:
        """A customer not linked yet: link it to its Sage contact, ask a person, or create one."""
        # the ref we look for: the row's (the customer's own, or the one we chose before a create),
        # else the one on the customer's record even if another customer holds it here
        wanted = c.accounts_ref or refs.customers_ref(c.snapshot)
        customers_ref = self._is_customers_ref(c, wanted)
        found = self._sage(c).find_candidates(c.snapshot, wanted)
        if wanted and not customers_ref and self._held_by_someone_else(c, wanted, found):
            # a ref we chose (e.g. kept before a create that failed) is on a contact that is not
            # ours: the ref is taken in Sage. Keep the next free one and look by email and name.
            wanted = self._keep_ref(c, self._free_ref(c), sending=False)
            found = self._sage(c).find_candidates(c.snapshot, None)
        with self.sessions() as session:
            linked = Syncs(session, c.tenant_id).linked_to(
                [f["id"] for f in found if f.get("id")], c.customer_id
            )
        decision = matching.decide(c.snapshot, wanted, found, linked, ref_is_customers=customers_ref)
        if decision.action == "link":
            contact = next(f for f in found if f.get("id") == decision.contact_id)
            return self._link(c, contact, decision.reason)
        if decision.action == "review":
            return Outcome(
                "review", candidates=[x.to_dict() for x in decision.candidates], reason=decision.reason
            )
        return self._create(c)

    @staticmethod
    def _ids(c: Claim) -> tuple[str | None, str]:
        return c.sage_contact_id, c.customer_id

    def _own_contact_by_ref(self, c: Claim) -> str | None:
        """The id of the contact we created for this customer (its ref, and our `source_guid`), if
        Sage holds one; a contact of someone else carrying the ref is not ours to mark inactive."""
        contact = self._own_contact(c, c.create_sent_ref or c.accounts_ref)
        return contact["id"] if contact else None

    def _own_contact(self, c: Claim, ref: str | None) -> dict | None:
        """The contact carrying `ref` and our `source_guid` (a create of ours), if Sage holds one."""
        if not ref:
            return None
        found = self._sage(c).find_candidates({"id": c.customer_id}, ref)
        wanted = ref.strip().upper()
        ours = [
            f
            for f in found
            if matching.is_ours(c.customer_id, f) and (f.get("reference") or "").strip().upper() == wanted
        ]
        return ours[0] if ours else None

    @staticmethod
    def _held_by_someone_else(c: Claim, ref: str, found: list[dict]) -> bool:
        """Does a contact that is not ours carry `ref` (and none of ours)?"""
        holders = [f for f in found if (f.get("reference") or "").strip().upper() == ref.upper()]
        return bool(holders) and not any(matching.is_ours(c.customer_id, f) for f in holders)

    def _free_ref(self, c: Claim, ask_sage: bool = True) -> str:
        """The next free accounts ref for the customer's base. Without `ask_sage`, only the refs we
        gave out count: a create with a ref Sage already holds answers 422 and we ask then, so the
        common case costs no listing of Sage's contacts (which grows with every SMITH)."""
        base = refs.ref_base(c.snapshot or {})
        stem = base[:4]  # every candidate of this base starts with these (SMITHJ01 … SMIT1000)
        with self.sessions() as session:
            taken = Syncs(session, c.tenant_id).refs_starting(stem)
        if ask_sage:
            taken |= self._sage(c).taken_refs(stem)
        return refs.next_free_ref(base, taken)

    def _link(self, c: Claim, contact: dict, reason: str) -> Outcome:
        theirs = (contact.get("reference") or "").strip().upper()
        ref = theirs if refs.is_valid_ref(theirs) else (c.accounts_ref or self._free_ref(c))
        with self.sessions() as session:
            other = session.scalar(
                select(CustomerSync.customer_id).where(
                    CustomerSync.tenant_id == c.tenant_id,
                    CustomerSync.accounts_ref == ref,
                    CustomerSync.customer_id != c.customer_id,
                )
            )
        if other:
            return Outcome(
                "review",
                candidates=[
                    {"sage_contact_id": contact["id"], "reference": ref, "linked_to_customer_id": other}
                ],
                reason=f"the contact's accounts ref {ref} already belongs to another customer",
            )
        self._sage(c).update_contact(contact["id"], mapping.contact_update(c.snapshot, ref, contact))
        return Outcome("linked", contact["id"], ref, reason=reason)

    @staticmethod
    def _is_customers_ref(c: Claim, ref: str | None) -> bool:
        """Is `ref` the one on the customer's record (not one we chose)? Then it is kept as it is."""
        return bool(ref) and ref == refs.customers_ref(c.snapshot)

    def _keep_ref(self, c: Claim, ref: str, sending: bool = True) -> str:
        """Save the ref we are about to create with on the row, and that a create is sent with it
        (`create_sent_at`, `create_sent_ref`), before the POST: a retry after a lost response then
        finds the contact by it, a removal looks for it there, and no other customer of the tenant
        gets it (the unique index says who was first; the loser takes the next free one). Without
        `sending` only the ref is kept (no create is sent with it yet)."""
        for _ in range(REF_RACE_RETRIES + 1):
            try:
                with self.sessions() as session, session.begin():
                    row = Syncs(session, c.tenant_id).find(c.customer_id, lock=True)
                    if row is None or row.claim_token != c.token:
                        raise SageError("the lease ran out before the create", transient=True)
                    row.accounts_ref = ref
                    if sending:
                        row.create_sent_ref = ref
                        row.create_sent_at = utcnow()
            except IntegrityError:
                ref = self._free_ref(c, ask_sage=False)
                continue
            c.accounts_ref = ref
            return ref
        raise SageError("no free accounts ref could be kept for this customer", transient=True)

    def _create(self, c: Claim) -> Outcome:
        ref = self._keep_ref(c, c.accounts_ref or self._free_ref(c, ask_sage=False))
        customers_ref = self._is_customers_ref(c, ref)
        key = mapping.idempotency_id(c.business_id, c.tenant_id, c.customer_id, c.deleted_contact_id)
        for tries in range(REF_RACE_RETRIES + 1):
            try:
                created = self._sage(c).create_contact(mapping.to_sage_contact(c.snapshot, ref), key)
                break
            except SageError as exc:
                if exc.status != 422 or "reference" not in exc.sources:
                    raise
                # our own create, whose answer was lost and which Sage did not replay (the
                # idempotency_id's placement and retention are unconfirmed): it is the contact
                mine = self._own_contact(c, ref)
                if mine is not None:
                    return self._link(c, mine, "our create, found by its ref after a lost answer")
                # the customer's own ref is never swapped for another; one we chose was taken in
                # Sage since we looked (a concurrent sync): look again, keep and take the next
                if customers_ref or tries == REF_RACE_RETRIES:
                    raise SageError(str(exc), 422, exc.errors, transient=True) from exc
                ref = self._keep_ref(c, self._free_ref(c))
        # a replayed create answers with the first one's contact: its ref is the one that counts
        actual = (created.get("reference") or ref or "").upper()
        return Outcome("created", created["id"], actual if refs.is_valid_ref(actual) else ref)

    # -- 3. record ------------------------------------------------------------------------------

    def _owned(self, uow: SyncUnitOfWork, c: Claim) -> CustomerSync | None:
        return released(uow.syncs.find(c.customer_id, lock=True), c.token, c.customer_id)

    def _record_success(self, c: Claim, o: Outcome) -> None:
        with self._owned_row(c) as (uow, row):
            if row is None:
                return
            if o.kind == "unlinked":
                if not row.removed:  # removed meanwhile: the deactivation finds it gone, and is done
                    row.deleted_contact_id = row.sage_contact_id
                    row.sage_contact_id = None
                    row.linked_at = None
                row.pushed_version = 0
                row.status = PENDING
                row.last_error = o.reason
                row.next_attempt_at = utcnow()
                uow.commit()
                log.warning("customer %s: %s", c.customer_id, o.reason)
                return
            if o.kind == "deactivated" and not row.sage_contact_id:
                row.sage_contact_id = o.contact_id  # found by its ref after a lost create, now inactive
            if row.removed and not row.sage_contact_id and o.kind not in ("linked", "created"):
                row.close_unsent()  # removed before it reached Sage (now, or while we were there)
                uow.commit()
                return
            if o.kind == "review":
                row.status = NEEDS_REVIEW
                row.candidates = o.candidates
                row.last_error = o.reason
                row.attempts = 0
                row.action = "upsert"
                uow.commit()
                return
            newly_linked = o.kind in ("linked", "created") and (
                row.sage_contact_id != o.contact_id or row.accounts_ref != o.accounts_ref
            )
            if o.kind in ("linked", "created"):
                row.sage_contact_id = o.contact_id
                row.accounts_ref = o.accounts_ref
                row.create_sent_at = row.create_sent_ref = None  # answered: the contact id says it all
                row.linked_at = utcnow()
                row.candidates = []
            if o.kind in ("linked", "created", "updated"):
                row.pushed_version = c.snapshot_version
            # changed while we were at Sage (newer snapshot, merged, deleted)? go again at once
            changed = (
                row.snapshot_version > c.snapshot_version
                or row.action != c.action
                or (bool(row.removed) and not c.removed)
            )
            if row.action in ("link", "create"):
                row.action = "upsert"
            if row.removed and row.sage_contact_id and not (c.removed and o.kind == "deactivated"):
                row.action = "deactivate"
                changed = True
            row.attempts = 0
            row.last_error = None
            row.review_contact_id = None
            if changed:
                row.status = PENDING
                row.next_attempt_at = utcnow()
            else:
                row.status = SYNCED
            if newly_linked:
                events.publish_linked(uow, row)
                uow.postings.wake_for_customer(row.customer_id)  # its documents need no retry by hand
            try:
                uow.commit()
            except IntegrityError:  # the ref went to another customer of the tenant meanwhile
                uow.rollback()
                self._record_failure(c, SageError(f"accounts ref {o.accounts_ref} is taken", transient=True))
                return
        log.info("customer %s %s in Sage (%s)", c.customer_id, o.kind, o.accounts_ref)

    def _record_failure(self, c: Claim, exc: SageError) -> None:
        with self._owned_row(c) as (uow, row):
            if row is None:
                return
            if row.removed and not row.sage_contact_id and row.action != "deactivate":
                row.close_unsent()  # removed while we were at Sage: no reason to try again
                uow.commit()
                return
            then = row.attempt_failed(
                str(exc), exc.status, exc.transient, exc.retry_after, self.s.retry_policy
            )
            if then.give_up:
                row.status = FAILED
                events.publish_failed(uow, row)
                log.warning("sync of %s failed after %d attempts: %s", c.customer_id, row.attempts, exc)
            else:
                log_retry(log, f"sync of {c.customer_id}", row.attempts, then, exc)
            uow.commit()
