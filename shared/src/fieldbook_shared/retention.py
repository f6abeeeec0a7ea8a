"""Retention of the kit's own tables: what is no longer needed is deleted, a batch at a time.

- `outbox`: rows sent more than `OUTBOX_RETENTION_HOURS` ago (default 168, a week to look back at
  what was published). Unsent rows are never touched.
- `processed_events`: inbox rows older than `INBOX_RETENTION_DAYS` (default 30). An event id has to
  be remembered for as long as the same event can arrive again — a redelivery after a lost ack, a
  relay re-sending after a crash, a broker outage — which is minutes to hours, far less than that.
  (A dead-lettered event was never applied, so replaying it later does not need its id here.)
- `idempotency_keys`: keys older than `IDEMPOTENCY_TTL_HOURS` (default 24), which no request can
  replay any more.

The worker's outbox relay calls `purge_expired` every `PURGE_EVERY_SECONDS`. Each table is purged
in batches of `batch_size` rows, one short transaction each, at most `max_batches` per call, so a
large backlog never holds the relay up for long; `Purged.more` says the next call should come soon.
`outbox.sent_at`, `idempotency_keys.created_at` and `processed_events.processed_at` are indexed (the
last by a migration in every service), so a batch reads only what it deletes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, CursorResult, delete, select
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from .db import IdempotencyRecord, OutboxMessage, ProcessedEvent, utcnow
from .settings import Settings

log = logging.getLogger("fieldbook.retention")

PURGE_EVERY_SECONDS = 300.0
PURGE_BACKLOG_EVERY_SECONDS = 15.0  # when a call stopped at max_batches with rows left


@dataclass(frozen=True)
class Purged:
    outbox: int = 0
    processed_events: int = 0
    idempotency_keys: int = 0
    more: bool = False  # a table still had expired rows when the batch cap was reached

    @property
    def total(self) -> int:
        return self.outbox + self.processed_events + self.idempotency_keys


def purge_expired(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime | None = None,
    batch_size: int = 1000,
    max_batches: int = 20,
) -> Purged:
    """Delete sent outbox rows, inbox rows and idempotency keys past their retention."""
    now = now or utcnow()
    expired = [
        (OutboxMessage.id, OutboxMessage.sent_at < now - timedelta(hours=settings.outbox_retention_hours)),
        (
            ProcessedEvent.event_id,
            ProcessedEvent.processed_at < now - timedelta(days=settings.inbox_retention_days),
        ),
        (
            IdempotencyRecord.id,
            IdempotencyRecord.created_at < now - timedelta(hours=settings.idempotency_ttl_hours),
        ),
    ]
    counts = [_purge(sessions, key, where, batch_size, max_batches) for key, where in expired]
    (outbox, more_outbox), (inbox, more_inbox), (keys, more_keys) = counts
    purged = Purged(outbox, inbox, keys, more_outbox or more_inbox or more_keys)
    if purged.total:
        log.info(
            "purged %d sent outbox rows, %d processed events, %d idempotency keys",
            outbox,
            inbox,
            keys,
            extra={"service": settings.service},
        )
    return purged


def _purge(
    sessions: sessionmaker[Session],
    key: InstrumentedAttribute,
    expired: ColumnElement[bool],
    batch_size: int,
    max_batches: int,
) -> tuple[int, bool]:
    """Delete rows matching `expired`, `batch_size` at a time; (rows deleted, rows may be left)."""
    table = key.class_.__table__
    deleted = 0
    for _ in range(max_batches):
        batch = select(key).where(expired).limit(batch_size)
        with sessions() as session, session.begin():
            result = cast(CursorResult, session.execute(delete(table).where(key.in_(batch))))
            count = result.rowcount
        deleted += count
        if count < batch_size:
            return deleted, False
    return deleted, True
