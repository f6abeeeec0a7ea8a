"""The webhooks repositories (every query filters by tenant), and the sender's claim across tenants."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session, aliased

from fieldbook_shared.db import page_of
from fieldbook_shared.jobs import skip_locked
from fieldbook_shared.problems import NotFound

from ..domain.rules import ACTIVE, PENDING
from .models import Delivery, Endpoint, Message


class Endpoints:
    def __init__(self, session: Session, tenant_id: str):
        self.session = session
        self.tenant_id = tenant_id

    def get(self, endpoint_id: str, *, for_update: bool = False) -> Endpoint:
        stmt = select(Endpoint).where(Endpoint.id == str(endpoint_id), Endpoint.tenant_id == self.tenant_id)
        row = self.session.scalar(stmt.with_for_update() if for_update else stmt)
        if row is None:
            raise NotFound("No webhook endpoint with that id.")
        return row

    def page(self, page: int, page_size: int) -> tuple[list[Endpoint], int]:
        stmt = select(Endpoint).where(Endpoint.tenant_id == self.tenant_id)
        return page_of(self.session, stmt.order_by(Endpoint.created_at, Endpoint.id), page, page_size)

    def enabled(self) -> list[Endpoint]:
        """The tenant's enabled endpoints (a handful: filtered by event type in Python)."""
        stmt = select(Endpoint).where(Endpoint.tenant_id == self.tenant_id, Endpoint.status == ACTIVE)
        return list(self.session.scalars(stmt))

    def remove(self, endpoint: Endpoint) -> None:
        self.session.execute(delete(Delivery).where(Delivery.endpoint_id == endpoint.id))
        self.session.delete(endpoint)


class Deliveries:
    def __init__(self, session: Session, tenant_id: str):
        self.session = session
        self.tenant_id = tenant_id

    def message(self, message_id: str) -> Message | None:
        stmt = select(Message).where(Message.id == message_id, Message.tenant_id == self.tenant_id)
        return self.session.scalar(stmt)

    def get(self, endpoint_id: str, delivery_id: str) -> Delivery:
        stmt = select(Delivery).where(
            Delivery.tenant_id == self.tenant_id,
            Delivery.endpoint_id == str(endpoint_id),
            Delivery.id == str(delivery_id),
        )
        row = self.session.scalar(stmt)
        if row is None:
            raise NotFound("No delivery with that id on this endpoint.")
        return row

    def page(
        self, endpoint_id: str, status: str | None, page: int, page_size: int
    ) -> tuple[list[Delivery], int]:
        """Newest first."""
        stmt = select(Delivery).where(
            Delivery.tenant_id == self.tenant_id, Delivery.endpoint_id == endpoint_id
        )
        if status:
            stmt = stmt.where(Delivery.status == status)
        return page_of(self.session, stmt.order_by(Delivery.seq.desc()), page, page_size)

    def failed(self, endpoint_id: str, status: str) -> list[Delivery]:
        """The endpoint's deliveries in `status`, oldest first, that no later replay has taken up."""
        replayed = select(Delivery.replay_of).where(
            Delivery.endpoint_id == endpoint_id, Delivery.replay_of.is_not(None)
        )
        stmt = select(Delivery).where(
            Delivery.tenant_id == self.tenant_id,
            Delivery.endpoint_id == endpoint_id,
            Delivery.status == status,
            Delivery.id.not_in(replayed),
        )
        return list(self.session.scalars(stmt.order_by(Delivery.seq)))

    def claimed(self, seq: int, token: str) -> Delivery | None:
        """The delivery while our claim on it holds (another sender took it over otherwise)."""
        stmt = select(Delivery).where(
            Delivery.seq == seq, Delivery.claim_token == token, Delivery.tenant_id == self.tenant_id
        )
        return self.session.scalar(stmt.with_for_update())

    def of_customer(self, customer_id: str) -> list[Message]:
        stmt = select(Message).where(Message.tenant_id == self.tenant_id, Message.order_key == customer_id)
        return list(self.session.scalars(stmt))


def claim_due(session: Session, now: datetime, lease_until: datetime, token: str, limit: int) -> list[tuple]:
    """Claim up to `limit` due deliveries that head their line (no earlier delivery of the same
    customer to the same endpoint is still pending), of enabled endpoints, across tenants; as
    (tenant_id, seq), oldest first. A claim is a lease: a sender that dies lets it run out."""
    earlier = aliased(Delivery)
    waiting_behind = (
        select(earlier.seq)
        .where(
            earlier.endpoint_id == Delivery.endpoint_id,
            earlier.order_key == Delivery.order_key,
            earlier.status == PENDING,
            earlier.seq < Delivery.seq,
        )
        .exists()
    )
    enabled = (
        select(Endpoint.id).where(Endpoint.id == Delivery.endpoint_id, Endpoint.status == ACTIVE).exists()
    )
    stmt = (
        select(Delivery.seq, Delivery.tenant_id, Delivery.lease_until)
        .where(
            Delivery.status == PENDING,
            Delivery.next_attempt_at <= now,
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
            ~waiting_behind,
            enabled,
        )
        .order_by(Delivery.seq)
        .limit(limit)
    )
    claimed = []
    for seq, tenant_id, lease in session.execute(skip_locked(session, stmt)).all():
        taken = session.execute(
            update(Delivery)
            .where(
                Delivery.seq == seq,
                Delivery.lease_until.is_(None) if lease is None else Delivery.lease_until == lease,
            )
            .values(lease_until=lease_until, claim_token=token)
            .execution_options(synchronize_session=False)
        )
        if cast(CursorResult, taken).rowcount == 1:
            claimed.append((tenant_id, seq))
    return claimed
