"""SQLAlchemy models of the webhooks service. Every table carries tenant_id; every query filters by it.

- `Endpoint`: a partner's URL, the event types it wants, its secret (and the previous one while a
  rotation overlaps), whether it is enabled, and since when it has been failing.
- `Message`: one public event as it will be sent (the body, kept as sent: a replay sends the same
  bytes with the same `webhook-id`, the event's id).
- `Delivery`: one message to one endpoint, with its last attempt (status, response code, duration,
  attempt count). `seq` orders them: an endpoint's deliveries of one customer (`order_key`) go in
  `seq` order. A replay is a new delivery of the same message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fieldbook_shared.aggregate import Aggregate
from fieldbook_shared.db import Base, BigIntId, new_id, utcnow
from fieldbook_shared.records import Retried

from ..domain.rules import ACTIVE, DISABLED, PENDING


class Endpoint(Aggregate, Base):
    __tablename__ = "endpoints"
    __table_args__ = (Index("ix_endpoints_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(500))
    event_types: Mapped[list] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    disabled_at: Mapped[datetime | None] = mapped_column()
    failing_since: Mapped[datetime | None] = mapped_column()
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def wants(self, event_type: str) -> bool:
        return self.status == ACTIVE and event_type in self.event_types

    def signing_secrets(self, now: datetime) -> list[str]:
        """The new secret, and the old one while the rotation's overlap lasts."""
        overlapping = (
            self.previous_secret and self.previous_secret_expires_at and now < self.previous_secret_expires_at
        )
        return [self.secret, self.previous_secret] if overlapping else [self.secret]  # type: ignore[list-item]

    def rotate(self, secret: str, overlap: timedelta, now: datetime) -> None:
        self.previous_secret, self.previous_secret_expires_at = self.secret, now + overlap
        self.secret = secret
        self.version += 1

    def answered(self) -> None:
        self.failing_since = None

    def failed(self, now: datetime) -> None:
        if self.failing_since is None:
            self.failing_since = now

    def disable(self, reason: str, now: datetime) -> None:
        """Failing for days: no more attempts until an admin enables it again; the admin is told."""
        self.status, self.disabled_reason, self.disabled_at = DISABLED, reason, now
        self.version += 1
        self.record("webhook_endpoint.disabled", reason=reason)

    def enable(self) -> None:
        self.status, self.disabled_reason, self.disabled_at, self.failing_since = ACTIVE, None, None, None


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_tenant_key", "tenant_id", "order_key"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the event's id: `webhook-id`
    tenant_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(100))
    order_key: Mapped[str] = mapped_column(String(64))  # the customer (domain/rules.py order_key)
    body: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Retried, Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        # the sender's claim: due heads of each (endpoint, customer) line
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_line", "endpoint_id", "order_key", "status", "seq"),
        Index("ix_deliveries_endpoint_seq", "tenant_id", "endpoint_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(64))
    endpoint_id: Mapped[str] = mapped_column(String(36), ForeignKey("endpoints.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(64), ForeignKey("messages.id"))
    event_type: Mapped[str] = mapped_column(String(100))
    order_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    response_code: Mapped[int | None] = mapped_column()
    duration_ms: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(500))
    replay_of: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
