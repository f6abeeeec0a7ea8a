"""The outbox relay: publishes committed outbox rows to RabbitMQ, in order, at least once.

A batch of rows is published at once and its confirms awaited together (`publisher.py`); a row is
marked sent only after the broker confirmed it and every row before it, all in one commit, so a
crash between publish and commit re-sends it (consumers de-duplicate through their inbox). On
PostgreSQL one relay per service publishes at a time (a transaction-scoped advisory lock):
several relays claiming disjoint batches with SKIP LOCKED alone would interleave and break the
per-service order.

Every few minutes the relay also purges what the kit's tables no longer need (`retention`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter as Tally
from typing import Protocol, cast

import pika
import pika.exceptions
from prometheus_client import Counter, Gauge
from sqlalchemy import Table, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..db import OutboxMessage, is_postgres, one_of, utcnow
from ..retention import PURGE_BACKLOG_EVERY_SECONDS, PURGE_EVERY_SECONDS, purge_expired
from ..settings import Settings
from ._backoff import Backoff
from .publisher import Outgoing, PipelinedPublisher, Publisher, publish_batch

log = logging.getLogger("fieldbook.outbox")

OUTBOX_PUBLISHED = Counter(
    "fieldbook_outbox_published_total",
    "Outbox rows published and confirmed by the broker (unroutable ones included).",
    ["service", "event_type"],
)
OUTBOX_UNROUTABLE = Counter(
    "fieldbook_outbox_unroutable_total",
    "Outbox rows the broker returned because no queue is bound to their type.",
    ["service"],
)
OUTBOX_PENDING = Gauge("fieldbook_outbox_pending", "Outbox rows not yet published.", ["service"])

PENDING_GAUGE_EVERY_SECONDS = 15.0
# A row at the head of the outbox that failed this many times (and every as many more) is logged
# at error level: the broker keeps refusing it, and everything behind it waits.
STUCK_ROW_ATTEMPTS = 10

OUTBOX = cast(Table, OutboxMessage.__table__)
_CLAIMED = (
    OUTBOX.c.id,
    OUTBOX.c.event_type,
    OUTBOX.c.payload,
    OUTBOX.c.event_id,
    OUTBOX.c.tenant_id,
    OUTBOX.c.subject,
)


class Idle(Protocol):
    """What the relay idles on between batches: the publisher (its I/O thread keeps heartbeats)."""

    def sleep(self, seconds: float) -> None: ...


def outbox_lock_key(service: str) -> int:
    """A stable signed 64-bit advisory-lock key for a service's outbox (same in every process)."""
    digest = hashlib.sha256(f"fieldbook.outbox:{service}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class OutboxRelay:
    """Moves committed outbox rows to the broker; `run()` is the worker's loop, `relay_once()` one batch."""

    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], publisher: Publisher | None = None
    ):
        self.settings = settings
        self.sessions = sessions
        self.publisher = publisher
        self.lock_key = outbox_lock_key(settings.service)

    def relay_once(self, publisher: Publisher | None = None) -> int:
        """Publish one batch of pending rows in id order; return how many were marked sent.

        Stops at the first publish error: the confirmed rows before it are committed as sent, the
        failing row gets `attempts`/`last_error`, and the error is re-raised so the caller
        reconnects. Returns 0 without publishing if another relay holds the service's lock.
        """
        publisher = publisher or self.publisher
        if publisher is None:
            raise ValueError("OutboxRelay.relay_once needs a publisher")
        service = self.settings.service
        failure: BaseException | None = None
        # Plain columns and one UPDATE, not ORM objects: loading and flushing 500 objects a batch
        # cost more than publishing them.
        with self.sessions() as session, session.begin():
            postgres = is_postgres(session)
            if postgres and not session.scalar(select(func.pg_try_advisory_xact_lock(self.lock_key))):
                return 0
            query = (
                select(*_CLAIMED)
                .where(OUTBOX.c.sent_at.is_(None))
                .order_by(OUTBOX.c.id)
                .limit(self.settings.relay_batch_size)
            )
            if postgres:
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            outcome = publish_batch(
                publisher,
                [Outgoing(r.event_type, r.payload, r.event_id, r.tenant_id, r.subject) for r in rows],
            )
            sent = rows[: outcome.confirmed]
            for index in sorted(outcome.unroutable):
                row = rows[index]
                OUTBOX_UNROUTABLE.labels(service).inc()
                log.warning(
                    "outbox event %s (%s) is unroutable: no queue is bound to that type; marked sent",
                    row.event_id,
                    row.event_type,
                    extra={
                        "event_id": row.event_id,
                        "event_type": row.event_type,
                        "tenant_id": row.tenant_id,
                    },
                )
            if sent:
                ids = [r.id for r in sent]
                session.execute(
                    update(OUTBOX).where(one_of(session, OUTBOX.c.id, ids)).values(sent_at=utcnow())
                )
                for event_type, count in Tally(r.event_type for r in sent).items():
                    OUTBOX_PUBLISHED.labels(service, event_type).inc(count)
            if outcome.error is not None and outcome.confirmed < len(rows):
                failed = session.get(OutboxMessage, rows[outcome.confirmed].id)
                assert failed is not None  # locked by this transaction
                _record_failure(failed, outcome.error)
                failure = outcome.error
        if failure is not None:
            raise failure
        return len(sent)

    def pending_count(self) -> int:
        """How many rows wait to be published (for the pending gauge)."""
        with self.sessions() as session:
            return (
                session.scalar(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                )
                or 0
            )

    def _purge(self) -> float:
        """Purge expired rows of the kit's tables; return the seconds until the next purge.

        A failed purge is logged and tried again at the next interval: it never holds up relaying.
        """
        try:
            purged = purge_expired(self.sessions, self.settings)
        except SQLAlchemyError as exc:
            log.warning("purging expired outbox, inbox and idempotency rows failed: %s", exc)
            return PURGE_EVERY_SECONDS
        return PURGE_BACKLOG_EVERY_SECONDS if purged.more else PURGE_EVERY_SECONDS

    def run(self, stop: threading.Event) -> None:
        """Relay until `stop` is set, reconnecting with backoff; never skips or drops a row."""
        settings = self.settings
        backoff = Backoff()
        while not stop.is_set():
            publisher = None
            try:
                publisher = PipelinedPublisher(settings, name=f"{settings.service}.relay")
                log.info("outbox relay connected to the broker (exchange %s)", settings.exchange)
                self._relay_until_stopped(publisher, publisher, stop, backoff)
            except (pika.exceptions.AMQPError, OSError) as exc:
                log.warning("outbox relay lost the broker: %s: %s", type(exc).__name__, exc)
            except Exception:
                log.exception("outbox relay failed unexpectedly")
            finally:
                _close_quietly(publisher)
            if not stop.is_set():
                delay = backoff.next()
                log.info("outbox relay reconnecting in %.1fs", delay)
                stop.wait(delay)
        log.info("outbox relay stopped")

    def _relay_until_stopped(
        self,
        connection: Idle,
        publisher: Publisher,
        stop: threading.Event,
        backoff: Backoff | None = None,
    ) -> None:
        """Inner loop on one connection. Broker errors propagate (reconnect); DB errors back off here.

        The reconnect `backoff` is reset only once a batch was confirmed: connecting alone is no
        progress when the failure comes after it (a publish the broker refuses every time).
        """
        settings = self.settings
        db_backoff = Backoff()
        next_gauge = 0.0
        next_purge = time.monotonic() + PURGE_BACKLOG_EVERY_SECONDS  # not in the first busy seconds
        while not stop.is_set():
            try:
                sent = self.relay_once(publisher)
                if time.monotonic() >= next_gauge:
                    OUTBOX_PENDING.labels(settings.service).set(self.pending_count())
                    next_gauge = time.monotonic() + PENDING_GAUGE_EVERY_SECONDS
                if time.monotonic() >= next_purge:
                    next_purge = time.monotonic() + self._purge()
            except SQLAlchemyError as exc:
                delay = db_backoff.next()
                log.warning("outbox relay cannot reach the database (%s); retrying in %.1fs", exc, delay)
                connection.sleep(delay)  # keeps heartbeats flowing while the database is away
                continue
            db_backoff.reset()
            if sent and backoff is not None:
                backoff.reset()
            if sent < settings.relay_batch_size:
                connection.sleep(settings.relay_idle_seconds)


def _record_failure(row: OutboxMessage, error: BaseException) -> None:
    """On the first row the broker did not confirm; logged as stuck every STUCK_ROW_ATTEMPTS."""
    row.attempts = (row.attempts or 0) + 1
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    if row.attempts % STUCK_ROW_ATTEMPTS == 0:
        log.error(
            "outbox event %s (%s) has failed to publish %d times and holds up the outbox: %s",
            row.event_id,
            row.event_type,
            row.attempts,
            row.last_error,
            extra={"event_id": row.event_id, "event_type": row.event_type, "tenant_id": row.tenant_id},
        )


def _close_quietly(publisher: PipelinedPublisher | None) -> None:
    if publisher is not None:
        try:
            publisher.close()
        except Exception:  # already broken; nothing to save
            log.debug("error closing the broker connection", exc_info=True)
