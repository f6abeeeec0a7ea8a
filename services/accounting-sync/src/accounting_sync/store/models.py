"""SQLAlchemy models of accounting-sync. Every tenant's row carries tenant_id; queries filter by it.

`customer_sync` is this service's view of each customer: the latest snapshot from customers' events
and where its sync with Sage stands. `sage_businesses` says which Sage business each tenant's
customers live in (the deployment's SAGE_BUSINESS_ID when a tenant has none), so one tenant's
customers are never matched or linked to another's. `sage_credentials` keeps the rotating OAuth
tokens of the Sage connection (one Sage login reaches every business it is a user of).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fieldbook_shared.db import Base, BigIntId, Money, utcnow
from fieldbook_shared.records import CustomerRecordKeys, RecordKeys, Timestamps

from ..domain import retry

PENDING, SYNCED, NEEDS_REVIEW, FAILED = "pending", "synced", "needs_review", "failed"
# merged / deleted / erased in Fieldbook before it ever reached Sage: nothing is sent for it, ever
NOT_NEEDED = "not_needed"
STATUSES = (PENDING, SYNCED, NEEDS_REVIEW, FAILED, NOT_NEEDED)

NOT_NEEDED_REASONS = {
    "merged": "Merged into another customer before it reached Sage: nothing was created in Sage for it.",
    "deleted": "Customer deleted before it reached Sage: nothing was created in Sage for it.",
    "erased": "Customer erased before it reached Sage: nothing was created in Sage for it.",
}


class Attempted:
    """A row the worker's loops claim and try (customer sync rows, postings)."""

    status: Mapped[str]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    claimed_until: Mapped[datetime | None] = mapped_column()
    claim_token: Mapped[str | None] = mapped_column(String(36))
    last_error: Mapped[str | None] = mapped_column(Text)

    def due_now(self) -> None:
        """To be tried at once, from a clean slate: the loops claim `pending` rows."""
        self.status = PENDING
        self.attempts = 0
        self.last_error = None
        self.next_attempt_at = utcnow()

    def attempt_failed(
        self, error: str, status: int | None, transient: bool, retry_after: float | None, policy: retry.Policy
    ) -> retry.AfterFailure:
        """Note a failed attempt by the shared retry policy: the error, whether it used up an
        attempt, and when the next one is (unless the policy gives up: the caller decides then)."""
        self.last_error = error[:2000]
        then = retry.after_failure(self.attempts, status, transient, retry_after, policy)
        if not then.counts:
            self.attempts = max(0, self.attempts - 1)
        if not then.give_up:
            self.next_attempt_at = utcnow() + timedelta(seconds=then.delay)
        return then


class CustomerSync(Attempted, CustomerRecordKeys, Timestamps, Base):
    __tablename__ = "customer_sync"
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_id", name="uq_customer_sync_customer"),
        UniqueConstraint("tenant_id", "accounts_ref", name="uq_customer_sync_accounts_ref"),
        Index("ix_customer_sync_due", "status", "next_attempt_at"),
        Index("ix_customer_sync_tenant_status", "tenant_id", "status", "updated_at"),
        Index("ix_customer_sync_contact", "sage_contact_id"),
    )

    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    # what the next attempt does: "upsert" (link or create, then keep Sage up to date),
    # "deactivate" (merged / deleted / erased here: mark it inactive in Sage), "link" / "create"
    # (a person resolved a review), or "none" for a customer removed before it reached Sage
    action: Mapped[str] = mapped_column(String(16), default="upsert")
    review_contact_id: Mapped[str | None] = mapped_column(String(64))
    accounts_ref: Mapped[str | None] = mapped_column(String(8))
    # a create was sent to Sage (saved with its ref before the POST): its contact may be there even
    # though no answer came back
    create_sent_at: Mapped[datetime | None] = mapped_column()
    create_sent_ref: Mapped[str | None] = mapped_column(String(8))
    sage_contact_id: Mapped[str | None] = mapped_column(String(64))
    # the contact it was linked to until it was deleted in Sage (a new create's idempotency_id names it)
    deleted_contact_id: Mapped[str | None] = mapped_column(String(64))
    snapshot: Mapped[dict | None] = mapped_column()  # the latest customer.* data
    snapshot_version: Mapped[int] = mapped_column(Integer, default=0)
    pushed_version: Mapped[int] = mapped_column(Integer, default=0)  # the snapshot Sage has
    removed: Mapped[str | None] = mapped_column(String(16))  # merged / deleted / erased
    survivor_id: Mapped[str | None] = mapped_column(String(36))
    candidates: Mapped[list] = mapped_column(default=list)
    linked_at: Mapped[datetime | None] = mapped_column()
    balance: Mapped[Decimal | None] = mapped_column(Money)
    balance_as_of: Mapped[datetime | None] = mapped_column()
    balance_published: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def status_reason(self) -> str | None:
        """Why the status is `not_needed`, in the accountant's words; None for other statuses."""
        if self.status != NOT_NEEDED:
            return None
        return NOT_NEEDED_REASONS.get(self.removed or "", NOT_NEEDED_REASONS["deleted"])

    def close_unsent(self) -> None:
        """A customer merged / deleted / erased before it reached Sage: `not_needed`, and never
        claimed again (only `pending` rows are), so nothing is created in Sage for it. Its attempts
        stay as they were: the history of what was tried."""
        self.status = NOT_NEEDED
        self.action = "none"
        self.candidates = []
        self.last_error = None
        self.review_contact_id = None
        self.next_attempt_at = None

    @property
    def may_be_in_sage(self) -> bool:
        """Could a create have reached Sage though we hold no contact id? `create_sent_ref` is saved
        on the row before the POST: a create whose answer was lost, or one still at Sage. The sync
        then searches Sage by that ref for our own contact."""
        return bool(self.create_sent_ref)


class BalancePollRequest(Base):
    """An on-demand balance poll asked for through the API; the worker's poller takes it."""

    __tablename__ = "balance_poll_requests"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_ids: Mapped[list] = mapped_column(default=list)  # empty: every linked customer
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by: Mapped[str | None] = mapped_column(String(200))
    done_at: Mapped[datetime | None] = mapped_column(index=True)
    claimed_until: Mapped[datetime | None] = mapped_column()  # a worker answers it until then
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # failed tries
    next_attempt_at: Mapped[datetime | None] = mapped_column()  # after a failed try (backoff)
    last_error: Mapped[str | None] = mapped_column(Text)
    failed_at: Mapped[datetime | None] = mapped_column()  # given up after BALANCE_REQUEST_MAX_TRIES


class SageCredentials(Base):
    """The rotating OAuth tokens of one Sage business; the new refresh token is committed before
    the new access token is used, and refreshes are serialised by a row lock."""

    __tablename__ = "sage_credentials"

    business_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    access_token: Mapped[str | None] = mapped_column(Text)
    access_expires_at: Mapped[datetime | None] = mapped_column()
    bootstrap_token: Mapped[str | None] = mapped_column(Text)  # the SAGE_REFRESH_TOKEN it began with
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SageBusiness(Base):
    """The Sage business (`X-Business`) a tenant's customers are synced to."""

    __tablename__ = "sage_businesses"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    business_id: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(200))


# --- money: billing's documents posted to Sage -----------------------------------------------------

# a posting's statuses: `posted` (Sage holds it: `sage_id`), `voided` (voided or reversed here after it
# was posted: Sage's copy is voided / deleted), the others as for customers; `not_needed`: voided or
# reversed here before it reached Sage, or skipped by a person
POSTED, VOIDED = "posted", "voided"
POSTING_STATUSES = (PENDING, POSTED, NEEDS_REVIEW, FAILED, NOT_NEEDED, VOIDED)
# invoice / credit_note / payment / account_credit / refund: documents in Sage; allocation: a contact
# allocation (made after its payment reached Sage, a credit note's, an account credit's);
# deallocation: a receipt's allocations PUT again
POSTING_KINDS = (
    "invoice",
    "credit_note",
    "payment",
    "account_credit",
    "refund",
    "allocation",
    "deallocation",
)
# why a posting waits, or went to review, for its customer's contact: linking the contact wakes it
WAITING_FOR_CONTACT = "waiting for the customer's Sage contact to be linked"
CONTACT_NOT_LINKED = "the customer's Sage contact is not linked"


class SagePosting(Attempted, RecordKeys, Timestamps, Base):
    """One billing document to post to Sage (a sales invoice, a sales credit note, a contact payment
    with its allocations), exactly once: idempotent on (tenant, kind, source id). The consumer only
    stores it; the posting loop (`postings.py`) talks to Sage."""

    __tablename__ = "sage_postings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "source_id", name="uq_sage_postings_source"),
        Index("ix_sage_postings_due", "status", "next_attempt_at"),
        Index("ix_sage_postings_tenant_status", "tenant_id", "status", "updated_at"),
        Index("ix_sage_postings_tenant_customer", "tenant_id", "customer_id"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(36))  # the invoice's, credit note's, payment's id
    customer_id: Mapped[str | None] = mapped_column(String(36))
    # what Sage's copy carries as `reference`, and what it is found by after a lost answer
    reference: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict | None] = mapped_column()  # the billing event's data (None: not heard yet)
    # a payment's allocations to invoices [{id, invoice_id, amount, deallocated}], from
    # payment.allocated / deallocated heard before the payment reached Sage
    allocations: Mapped[list] = mapped_column(default=list)
    action: Mapped[str] = mapped_column(String(16), default="post")  # post | void (voided / reversed here)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    sage_id: Mapped[str | None] = mapped_column(String(64))
    # a create was sent (saved before the POST): after a lost answer the document is looked up in
    # Sage by its reference before anything is created again
    create_sent_at: Mapped[datetime | None] = mapped_column()
    posted_at: Mapped[datetime | None] = mapped_column()

    def to_review(self, reason: str) -> None:
        self.status = NEEDS_REVIEW
        self.attempts = 0
        self.last_error = reason[:2000]
        self.next_attempt_at = None

    @property
    def may_be_in_sage(self) -> bool:
        return bool(self.sage_id or self.create_sent_at)

    def contact_linked(self) -> None:
        """Its customer's Sage contact was just linked: a posting that waited for it is due now, one
        sent to review because it was not linked is tried again from a clean slate."""
        why = self.last_error or ""
        if not why.startswith((WAITING_FOR_CONTACT, CONTACT_NOT_LINKED)):
            return
        if self.status == PENDING:
            self.next_attempt_at = utcnow()
        elif self.status == NEEDS_REVIEW:
            self.due_now()
