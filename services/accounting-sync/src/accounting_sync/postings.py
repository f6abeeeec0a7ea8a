"""The posting loop of the worker: billing's documents to Sage, each exactly once.

One attempt (as the customers' sync loop, `sync.py`):
1. claim (short transaction): a due `pending` posting gets a lease (`FOR UPDATE SKIP LOCKED`);
2. outside any transaction: check what it needs, then talk to Sage —
   - its customer's contact must be linked (`customer_sync` holds the Sage contact id); a credit
     note waits for the invoice it credits, a payment for every allocation made with it and for the
     invoices it pays. Waiting is no attempt: the posting looks again after a quarter of the
     time it has waited (`POSTING_WAIT_SECONDS` to `POSTING_WAIT_MAX_SECONDS`), at once when its
     customer is linked or the customer's earlier document reaches Sage, and after
     `POSTING_WAIT_REVIEW_SECONDS` in all a person is asked (`needs_review`). A customer that will
     not be linked without a person (`needs_review`, `failed`, `not_needed`) sends its documents to
     review at once;
   - a create was sent before (`create_sent_at`) and no answer came (lost, 5xx, crash): the
     document is looked up in Sage by its reference first, and linked when found;
   - else `create_sent_at` is saved (lease checked), then one POST with a deterministic
     `idempotency_id` (business, tenant, kind, source id). A 5xx or a lost answer is not sent again
     in place: the next attempt looks it up first;
   - voided / reversed here after it was posted (`action` void): the invoice or credit note is
     voided in Sage, the contact payment deleted;
3. record the outcome (only while the lease is ours): `posted` + `accounting.document_posted`
   {kind, source_id, customer_id, sage_id}; a wait; `needs_review`; or the retry policy shared with
   the customers' sync (`domain/retry.py`: a 429 waits and is no attempt, a 422 goes to review,
   the attempts run out → `failed`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from fieldbook_shared.db import utcnow

from . import events
from .domain import mapping, retry
from .domain import postings as docs
from .sage import SageError
from .store.models import (
    CONTACT_NOT_LINKED,
    FAILED,
    NOT_NEEDED,
    PENDING,
    POSTED,
    VOIDED,
    WAITING_FOR_CONTACT,
    SagePosting,
)
from .store.queries import Postings, Syncs, business_of, claim_due
from .sync import ClaimLoop, log_retry, released
from .uow import SyncUnitOfWork

log = logging.getLogger("accounting_sync.postings")


@dataclass
class PostingClaim:
    row_id: str
    tenant_id: str
    kind: str
    source_id: str
    customer_id: str | None
    reference: str | None
    payload: dict
    allocations: list
    action: str
    sage_id: str | None
    create_sent: bool
    token: str
    created_at: datetime
    waiting_seconds: float
    business_id: str


@dataclass
class Result:
    kind: str  # posted | voided | wait | review
    sage_id: str | None = None
    reason: str = ""


class Waiting(Exception):
    """What the posting needs is not there yet (its customer's contact, an invoice in Sage)."""


class NeedsPerson(Exception):
    """What the posting needs will not come without a person."""


class PostingEngine(ClaimLoop):
    """Billing's invoices, credit notes and payments to Sage."""

    name = "posting loop"

    # -- 1. claim -------------------------------------------------------------------------------

    def _claim(self) -> PostingClaim | None:
        with self.sessions() as session, session.begin():
            row = claim_due(
                session,
                timedelta(seconds=self.s.lease_seconds),
                model=SagePosting,
                ready=(SagePosting.reference.is_not(None),),  # its document was heard of
            )
            if row is None:
                return None
            row.attempts += 1
            row.last_attempt_at = utcnow()
            return PostingClaim(
                row_id=row.id,
                tenant_id=row.tenant_id,
                kind=row.kind,
                source_id=row.source_id,
                customer_id=row.customer_id,
                reference=row.reference,
                payload=dict(row.payload or {}),
                allocations=list(row.allocations or []),
                action=row.action,
                sage_id=row.sage_id,
                create_sent=row.create_sent_at is not None,
                token=row.claim_token or "",
                created_at=row.created_at,
                waiting_seconds=(utcnow() - row.created_at).total_seconds(),
                business_id=business_of(session, row.tenant_id, self.s.sage_business_id),
            )

    # -- 2. what it needs, then Sage ------------------------------------------------------------

    def _attempt(self, c: PostingClaim) -> Result:
        try:
            if c.kind not in docs.RESOURCES:
                raise NeedsPerson(c.payload.get("why") or "post it in Sage by hand")
            self._after_earlier_moves(c)
            if c.action == "void":
                return self._void(c)
            contact_id = self._contact_of(c)
            if c.kind == "deallocation":
                return self._reallocate(c, contact_id)
            body = self._body(c, contact_id)
            if c.create_sent:  # a create went before without an answer: is it in Sage?
                found = self._find(c, contact_id, body)
                if found is not None:
                    log.info("%s %s found in Sage after a lost answer", c.kind, c.source_id)
                    return Result("posted", found["id"])
            return Result("posted", self._create(c, body))
        except Waiting as why:
            return Result("wait", reason=str(why))
        except (NeedsPerson, docs.CannotPost) as why:
            return Result("review", reason=str(why))

    def _after_earlier_moves(self, c: PostingClaim) -> None:
        """Money moves of a customer go to Sage in the order billing made them (a de-allocation
        frees what a later allocation or refund takes); a payment is deleted after its contact
        allocations."""
        if c.kind not in docs.MONEY_MOVES and not (c.kind == "payment" and c.action == "void"):
            return
        with self.sessions() as session:
            rows = Postings(session, c.tenant_id).of_customer(c.customer_id or "", docs.MONEY_MOVES)
        for row in rows:
            if row.status != PENDING or row.reference is None or row.id == c.row_id:
                continue
            if c.kind == "payment":
                if (
                    c.action == "void"
                    and row.kind == "allocation"
                    and row.payload.get("source_id") == c.source_id
                ):
                    raise Waiting("waiting for the payment's contact allocations to be deleted in Sage")
            elif c.kind in docs.MONEY_MOVES and (row.created_at, row.id) < (c.created_at, c.row_id):
                raise Waiting(f"waiting for the customer's earlier {row.kind} {row.source_id} to reach Sage")

    def _contact_of(self, c: PostingClaim) -> str:
        with self.sessions() as session:
            row = Syncs(session, c.tenant_id).find(c.customer_id or "")
        if row is not None and row.sage_contact_id and not row.removed:
            return row.sage_contact_id
        if row is None or row.status == PENDING:
            raise Waiting(WAITING_FOR_CONTACT)
        raise NeedsPerson(
            f"{CONTACT_NOT_LINKED} (customer sync {row.status}): "
            "resolve the customer in /v1/accounting/sync; its documents follow once it is linked"
        )

    def _posted_ids(self, c: PostingClaim, kind: str, source_ids: list[str]) -> dict[str, str]:
        """The Sage ids of these postings of ours; Waiting / NeedsPerson while one has none."""
        out = {}
        with self.sessions() as session:
            postings = Postings(session, c.tenant_id)
            for source_id in source_ids:
                row = postings.find(kind, source_id)
                # a document being voided here is still in Sage until it is (a payment's contact
                # allocations are deleted before the payment: they may need its payment on account)
                if row is not None and row.sage_id and (row.status == POSTED or row.action == "void"):
                    out[source_id] = row.sage_id
                elif row is None or row.status == PENDING:
                    raise Waiting(f"waiting for {kind} {source_id} to reach Sage")
                else:
                    raise NeedsPerson(f"{kind} {source_id} is {row.status} in its posting to Sage")
        return out

    def _credit_artefact(self, c: PostingClaim, source_type: str, source_id: str) -> str:
        """The Sage artefact that holds a credit source's unallocated amount: a payment's payment on
        account (read from its contact payment), a credit note itself."""
        if source_type == "credit_note":
            return self._posted_ids(c, "credit_note", [source_id])[source_id]
        if source_type not in ("payment", "account_credit"):
            raise NeedsPerson(f"{source_type} is not posted to Sage: do this in Sage by hand, then skip it")
        payment_id = self._posted_ids(c, source_type, [source_id])[source_id]
        payment = self.accounting.for_business(c.business_id).get_document("contact_payments", payment_id)
        on_account = (payment or {}).get("payment_on_account") or {}
        if not on_account.get("id"):
            raise NeedsPerson(f"Sage shows no payment on account on payment {source_id}")
        return on_account["id"]

    def _body(self, c: PostingClaim, contact_id: str) -> dict:
        s, data = self.s, c.payload
        rates = docs.tax_rates(s.sage_tax_rates)
        if c.kind == "invoice":
            return docs.sales_invoice(data, contact_id, s.sage_sales_ledger_account_id, rates)
        if c.kind == "credit_note":
            invoice_id = data.get("invoice_id")
            original = self._posted_ids(c, "invoice", [invoice_id])[invoice_id] if invoice_id else None
            return docs.sales_credit_note(data, contact_id, s.sage_sales_ledger_account_id, rates, original)
        if c.kind == "allocation":
            invoice = self._posted_ids(c, "invoice", [data["invoice_id"]])[data["invoice_id"]]
            credit = self._credit_artefact(c, data["source_type"], data["source_id"])
            return docs.contact_allocation(data, contact_id, invoice, credit)
        if c.kind == "refund":
            credits = [
                {
                    "artefact_id": self._credit_artefact(c, x["source_type"], x["source_id"]),
                    "amount": docs.money(x["amount"]),
                }
                for x in data["sources"]
            ]
            return docs.customer_refund(data, contact_id, s.sage_bank_account_id, credits)
        if c.kind == "account_credit":  # all of it on account: its allocations are contact allocations
            return docs.contact_payment(data, contact_id, s.sage_bank_account_id, {}, [])
        if not docs.allocations_heard(data, c.allocations):
            raise Waiting("waiting for the payment's allocations")
        wanted = sorted({a["invoice_id"] for a in docs.standing(c.allocations)})
        invoices = self._posted_ids(c, "invoice", wanted)
        return docs.contact_payment(data, contact_id, s.sage_bank_account_id, invoices, c.allocations)

    def _find(self, c: PostingClaim, contact_id: str, body: dict) -> dict | None:
        """Our create whose answer was lost: a document by its reference, an allocation by its
        artefacts and amounts (one no other posting of ours holds)."""
        sage = self.accounting.for_business(c.business_id)
        if c.kind == "allocation":
            with self.sessions() as session:
                ours = Postings(session, c.tenant_id).of_customer(c.customer_id or "", ("allocation",))
            taken = {row.sage_id for row in ours if row.sage_id and row.id != c.row_id}
            return sage.find_allocation(contact_id, body, taken)
        resource, _ = docs.RESOURCES[c.kind]
        return sage.find_document(resource, contact_id, c.reference or "")

    def _reallocate(self, c: PostingClaim, contact_id: str) -> Result:
        """An allocation made with its payment, undone after the payment reached Sage: the receipt's
        allocations are PUT again without it (a PUT repeated changes nothing)."""
        payment_id = c.payload["source_id"]
        sage_id = self._posted_ids(c, "payment", [payment_id])[payment_id]
        with self.sessions() as session:
            payment = Postings(session, c.tenant_id).find("payment", payment_id)
        allocations = list(payment.allocations or []) if payment else []
        wanted = sorted({a["invoice_id"] for a in docs.standing(allocations)})
        invoices = self._posted_ids(c, "invoice", wanted)
        body = {"allocated_artefacts": docs.payment_allocations(invoices, allocations)}
        self.accounting.for_business(c.business_id).update_document(
            "contact_payments", "contact_payment", sage_id, body
        )
        return Result("posted", sage_id)

    def _create(self, c: PostingClaim, body: dict) -> str:
        """Save that a create is sent (the lease still ours), then POST it once."""
        with self.sessions() as session, session.begin():
            row = Postings(session, c.tenant_id).find(c.kind, c.source_id, lock=True)
            if row is None or row.claim_token != c.token:
                raise SageError("the lease ran out before the create", transient=True)
            row.create_sent_at = utcnow()
        resource, wrapper = docs.RESOURCES[c.kind]
        key = mapping.idempotency_id(c.business_id, c.tenant_id, f"{c.kind}:{c.source_id}")
        created = self.accounting.for_business(c.business_id).create_document(resource, wrapper, body, key)
        return created["id"]

    def _void(self, c: PostingClaim) -> Result:
        """Voided (invoice, credit note), reversed (payment) or de-allocated (allocation) here:
        Sage's copy goes too."""
        sage = self.accounting.for_business(c.business_id)
        resource, _ = docs.RESOURCES[c.kind]
        sage_id = c.sage_id
        if sage_id is None:  # a create may have reached Sage without an answer: find it
            contact_id = self._contact_of(c)
            body = self._body(c, contact_id) if c.kind == "allocation" else {}
            found = self._find(c, contact_id, body)
            if found is None:
                return Result("voided")
            sage_id = found["id"]
        reason = "Voided in Fieldbook" if c.kind in ("invoice", "credit_note") else None
        sage.delete_document(resource, sage_id, reason)
        return Result("voided", sage_id)

    # -- 3. record ------------------------------------------------------------------------------

    def _owned(self, uow: SyncUnitOfWork, c: PostingClaim) -> SagePosting | None:
        return released(uow.postings.find(c.kind, c.source_id, lock=True), c.token, f"{c.kind} {c.source_id}")

    def _record_success(self, c: PostingClaim, r: Result) -> None:
        with self._owned_row(c) as (uow, row):
            if row is None:
                return
            if r.kind == "wait":
                row.attempts = max(0, row.attempts - 1)  # waiting is no attempt
                if c.waiting_seconds > self.s.posting_wait_review_seconds:
                    row.to_review(f"{r.reason} for too long")
                else:
                    row.last_error = r.reason
                    row.next_attempt_at = utcnow() + timedelta(seconds=self._wait(uow, c, r))
            elif r.kind == "review":
                row.to_review(r.reason)
            else:
                self._done(uow, row, c, r)
            uow.commit()

    def _wait(self, uow: SyncUnitOfWork, c: PostingClaim, r: Result) -> float:
        """Seconds before a waiting posting looks again. Its customer's link wakes it
        (`Postings.wake_for_customer`), so waiting for the contact is the longest wait, unless the
        link came while this attempt was at it; other waits grow with the time waited so far."""
        if r.reason == WAITING_FOR_CONTACT:
            sync = uow.syncs.find(c.customer_id or "")
            linked = sync is not None and bool(sync.sage_contact_id) and not sync.removed
            return 0.0 if linked else self.s.posting_wait_max_seconds
        return retry.wait_delay(
            c.waiting_seconds, self.s.posting_wait_seconds, self.s.posting_wait_max_seconds
        )

    def _done(self, uow, row: SagePosting, c: PostingClaim, r: Result) -> None:
        newly_posted = r.kind == "posted" and row.sage_id != r.sage_id
        row.sage_id = r.sage_id or row.sage_id
        row.create_sent_at = None
        row.attempts = 0
        row.last_error = None
        if r.kind == "posted":
            row.posted_at = utcnow()
        if row.action != c.action:  # voided / reversed here while we were at Sage: go again at once
            row.status = PENDING
            row.next_attempt_at = utcnow()
        elif r.kind == "voided":
            row.status = VOIDED if row.sage_id else NOT_NEEDED
            row.next_attempt_at = None
        else:
            row.status = POSTED
            row.next_attempt_at = None
        if newly_posted and row.kind in ("invoice", "credit_note", "payment"):  # billing keeps those ids
            events.publish_posted(uow, row)
        if row.status != PENDING:  # what the customer's later documents waited for may be here now
            uow.postings.wake_after_earlier(row.customer_id, row.id)
        log.info("%s %s %s in Sage (%s)", c.kind, c.source_id, r.kind, row.sage_id)

    def _record_failure(self, c: PostingClaim, exc: SageError) -> None:
        with self._owned_row(c) as (uow, row):
            if row is None:
                return
            then = row.attempt_failed(
                str(exc), exc.status, exc.transient, exc.retry_after, self.s.retry_policy
            )
            if then.give_up and not exc.transient:  # Sage refused it (e.g. 422): a person looks
                row.to_review(f"Sage refused it: {exc}")
            elif then.give_up:
                row.status = FAILED
                row.next_attempt_at = None
                log.warning(
                    "posting %s %s failed after %d attempts: %s", c.kind, c.source_id, row.attempts, exc
                )
            else:
                log_retry(log, f"posting {c.kind} {c.source_id}", row.attempts, then, exc)
            uow.commit()
