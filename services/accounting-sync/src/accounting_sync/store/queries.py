"""Tenant-scoped repositories, and the worker's cross-tenant claim of due sync rows."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from fieldbook_shared.db import page_of, utcnow
from fieldbook_shared.jobs import new_token, skip_locked
from fieldbook_shared.problems import NotFound
from fieldbook_shared.uow import Repository

from .models import (
    NEEDS_REVIEW,
    PENDING,
    WAITING_FOR_CONTACT,
    BalancePollRequest,
    CustomerSync,
    SageBusiness,
    SagePosting,
)


def latest_first(session: Session, model: Any, where: list, page: int, page_size: int) -> tuple[list, int]:
    """One page of a tenant's rows, latest change first, and how many there are."""
    stmt = select(model).where(*where).order_by(model.updated_at.desc(), model.id)
    return page_of(session, stmt, page, page_size)


class Syncs(Repository):
    """The tenant's customer sync rows."""

    def find(self, customer_id: str, lock: bool = False) -> CustomerSync | None:
        return self.find_one(CustomerSync, CustomerSync.customer_id == customer_id, lock=lock)

    def find_many(self, customer_ids: list[str]) -> dict[str, CustomerSync]:
        """The rows of these customers, by customer id, locked FOR UPDATE in one go (in id order, so
        two batches never wait for each other crosswise)."""
        stmt = self.select(CustomerSync, CustomerSync.customer_id.in_(set(customer_ids)))
        rows = self.session.scalars(stmt.order_by(CustomerSync.customer_id).with_for_update())
        return {row.customer_id: row for row in rows}

    def get(self, customer_id: str, lock: bool = False) -> CustomerSync:
        row = self.find(customer_id, lock=lock)
        if row is None:
            raise NotFound("accounting-sync has not heard of this customer.")
        return row

    def add(self, row: CustomerSync) -> CustomerSync:
        row.tenant_id = self.tenant_id
        self.session.add(row)
        return row

    def list(self, status: str | None, page: int, page_size: int) -> tuple[list[CustomerSync], int]:
        where = [CustomerSync.tenant_id == self.tenant_id]
        if status:
            where.append(CustomerSync.status == status)
        return latest_first(self.session, CustomerSync, where, page, page_size)

    def refs_starting(self, stem: str) -> set[str]:
        rows = self.session.scalars(
            select(CustomerSync.accounts_ref).where(
                CustomerSync.tenant_id == self.tenant_id, CustomerSync.accounts_ref.like(f"{stem}%")
            )
        )
        return {r for r in rows if r}

    def holder_of_ref(self, ref: str, except_customer: str) -> str | None:
        """The other customer of this tenant holding this accounts ref, if any."""
        return self.session.scalar(
            select(CustomerSync.customer_id).where(
                CustomerSync.tenant_id == self.tenant_id,
                CustomerSync.accounts_ref == ref,
                CustomerSync.customer_id != except_customer,
            )
        )

    def linked_to(self, contact_ids: list[str], except_customer: str) -> dict[str, str]:
        """Sage contact id → the other customer of this tenant linked to it."""
        if not contact_ids:
            return {}
        rows = self.session.execute(
            select(CustomerSync.sage_contact_id, CustomerSync.customer_id).where(
                CustomerSync.tenant_id == self.tenant_id,
                CustomerSync.sage_contact_id.in_(contact_ids),
                CustomerSync.customer_id != except_customer,
                CustomerSync.removed.is_(None),
            )
        ).all()
        return {contact: customer for contact, customer in rows}

    def linked_rows(self, customer_ids: list[str] | None = None, lock: bool = False) -> list[CustomerSync]:
        stmt = select(CustomerSync).where(
            CustomerSync.tenant_id == self.tenant_id,
            CustomerSync.sage_contact_id.is_not(None),
            CustomerSync.removed.is_(None),
        )
        if customer_ids:
            stmt = stmt.where(CustomerSync.customer_id.in_(customer_ids))
        if lock:
            stmt = stmt.order_by(CustomerSync.id).with_for_update()
        return list(self.session.scalars(stmt))

    def request_balance_poll(self, customer_ids: list[str], actor: str | None) -> BalancePollRequest:
        req = BalancePollRequest(tenant_id=self.tenant_id, customer_ids=customer_ids, requested_by=actor)
        self.session.add(req)
        return req


class Postings(Repository):
    """The tenant's postings to Sage (billing's documents)."""

    def find(self, kind: str, source_id: str, lock: bool = False) -> SagePosting | None:
        return self.find_one(
            SagePosting, SagePosting.kind == kind, SagePosting.source_id == source_id, lock=lock
        )

    def get(self, posting_id: str, lock: bool = False) -> SagePosting:
        missing = "accounting-sync has no such posting."
        return self.get_one(SagePosting, SagePosting.id == posting_id, lock=lock, missing=missing)

    def add(self, row: SagePosting) -> SagePosting:
        row.tenant_id = self.tenant_id
        self.session.add(row)
        return row

    def of_customer(
        self, customer_id: str, kinds: tuple[str, ...] = (), lock: bool = False
    ) -> list[SagePosting]:
        stmt = select(SagePosting).where(
            SagePosting.tenant_id == self.tenant_id, SagePosting.customer_id == customer_id
        )
        if kinds:
            stmt = stmt.where(SagePosting.kind.in_(kinds))
        if lock:
            stmt = stmt.with_for_update()
        return list(self.session.scalars(stmt.order_by(SagePosting.created_at, SagePosting.id)))

    def wake_after_earlier(self, customer_id: str, done_id: str) -> None:
        """One of the customer's postings is done (posted, voided, in review, failed): its other
        pending postings that wait on an earlier document or move are due now, not after their
        growing wait (those waiting for the contact are woken by its link instead)."""
        self.session.execute(
            update(SagePosting)
            .where(
                SagePosting.tenant_id == self.tenant_id,
                SagePosting.customer_id == customer_id,
                SagePosting.id != done_id,
                SagePosting.status == PENDING,
                SagePosting.last_error.startswith("waiting for"),
                ~SagePosting.last_error.startswith(WAITING_FOR_CONTACT),
                SagePosting.next_attempt_at > utcnow(),
            )
            .values(next_attempt_at=utcnow())
            .execution_options(synchronize_session=False)
        )

    def wake_for_customer(self, customer_id: str) -> None:
        """The customer's Sage contact was just linked: what waited for it is due (the row's rule,
        `contact_linked`). Every open posting of the customer is locked, not only those already
        saying they wait: one whose attempt is being recorded right now is waited for and then
        woken, so a wait recorded just as the link commits is never left to its long timeout."""
        stmt = select(SagePosting).where(
            SagePosting.tenant_id == self.tenant_id,
            SagePosting.customer_id == customer_id,
            SagePosting.status.in_((PENDING, NEEDS_REVIEW)),
        )
        for row in self.session.scalars(stmt.with_for_update()):
            row.contact_linked()

    def list(
        self, filters: dict[str, str | None], page: int, page_size: int
    ) -> tuple[list[SagePosting], int]:
        where = [SagePosting.tenant_id == self.tenant_id]
        for name in ("status", "kind", "customer_id", "source_id"):
            if filters.get(name):
                where.append(getattr(SagePosting, name) == filters[name])
        return latest_first(self.session, SagePosting, where, page, page_size)


# --- the worker's side: across tenants ----------------------------------------------------------


def claim_due(
    session: Session,
    lease: timedelta,
    now: datetime | None = None,
    model: type[CustomerSync] | type[SagePosting] = CustomerSync,
    ready: tuple = (),
) -> Any:
    """Take one pending row of `model` (customer sync rows, or postings) whose time has come and
    that meets `ready`, for `lease`: the caller owns it until then.

    Fair across tenants: a tenant is drawn at random among those with due rows, then its oldest
    due row is taken, so one tenant's import of 10,000 customers does not make another tenant's
    new customer wait behind all of them.

    On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several loops claim disjoint rows; the lease (not
    the row lock) is what keeps the row ours while we talk to Sage outside any transaction, so the
    event consumer never waits on a Sage call. A crashed loop's lease simply runs out.
    """
    now = now or utcnow()
    due = (
        model.status == PENDING,
        model.next_attempt_at <= now,
        or_(model.claimed_until.is_(None), model.claimed_until <= now),
        *ready,
    )
    tenants = list(session.scalars(select(model.tenant_id).where(*due).distinct().limit(1000)))
    if not tenants:
        return None
    oldest_first = select(model).where(*due).order_by(model.next_attempt_at, model.id).limit(1)
    for stmt in (oldest_first.where(model.tenant_id == random.choice(tenants)), oldest_first):
        row = session.scalar(skip_locked(session, stmt))
        if row is not None:
            row.claimed_until = now + lease
            row.claim_token = new_token()
            return row
    return None


def claim_poll_requests(
    session: Session, lease: timedelta, now: datetime | None = None
) -> list[BalancePollRequest]:
    """Take the open on-demand poll requests that are due, for `lease` (in the caller's transaction:
    commit it to keep the claim). `FOR UPDATE SKIP LOCKED` on PostgreSQL keeps two worker
    processes from taking the same request while claiming; the lease keeps it ours afterwards."""
    now = now or utcnow()
    stmt = (
        select(BalancePollRequest)
        .where(
            BalancePollRequest.done_at.is_(None),
            BalancePollRequest.failed_at.is_(None),
            or_(BalancePollRequest.next_attempt_at.is_(None), BalancePollRequest.next_attempt_at <= now),
            or_(BalancePollRequest.claimed_until.is_(None), BalancePollRequest.claimed_until <= now),
        )
        .order_by(BalancePollRequest.id)
        .limit(50)
    )
    requests = list(session.scalars(skip_locked(session, stmt)))
    for req in requests:
        req.claimed_until = now + lease
    return requests


def linked_rows_all(session: Session) -> list[CustomerSync]:
    return list(
        session.scalars(
            select(CustomerSync).where(
                CustomerSync.sage_contact_id.is_not(None), CustomerSync.removed.is_(None)
            )
        )
    )


def business_of(session: Session, tenant_id: str, default: str) -> str:
    """The Sage business of a tenant: its own setting, else the deployment's default."""
    chosen = session.get(SageBusiness, tenant_id)
    return chosen.business_id if chosen is not None else default


def businesses_of(session: Session, tenant_ids: set[str], default: str) -> dict[str, str]:
    chosen = dict(
        session.execute(
            select(SageBusiness.tenant_id, SageBusiness.business_id).where(
                SageBusiness.tenant_id.in_(tenant_ids)
            )
        ).all()
    )
    return {t: chosen.get(t, default) for t in tenant_ids}
