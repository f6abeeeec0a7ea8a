"""The kit's tables forget sent outbox rows, old inbox rows and expired idempotency keys."""

from __future__ import annotations

import threading
from datetime import timedelta

from kit_support import inbox_ids, outbox_rows, publish_deleted
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

import fieldbook_shared.messaging.relay as relay_module
from fieldbook_shared.db import IdempotencyRecord, OutboxMessage, ProcessedEvent, utcnow
from fieldbook_shared.messaging import InMemoryBus, OutboxRelay
from fieldbook_shared.retention import purge_expired
from fieldbook_shared.settings import Settings

SETTINGS = Settings(service="customers", database_url="sqlite://")


def add_outbox_row(sessions, *, sent_hours_ago: float | None) -> str:
    event_id = publish_deleted(sessions, "c1")
    if sent_hours_ago is not None:
        with sessions() as s:
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.event_id == event_id)
                .values(sent_at=utcnow() - timedelta(hours=sent_hours_ago))
            )
            s.commit()
    return event_id


def add_inbox_row(sessions, event_id: str, *, days_ago: float) -> None:
    with sessions() as s:
        s.add(
            ProcessedEvent(
                event_id=event_id,
                event_type="customer.deleted",
                processed_at=utcnow() - timedelta(days=days_ago),
            )
        )
        s.commit()


def add_key(sessions, key: str, *, hours_ago: float) -> None:
    with sessions() as s:
        s.add(
            IdempotencyRecord(
                tenant_id="t1",
                key=key,
                request_hash="h",
                status_code=201,
                created_at=utcnow() - timedelta(hours=hours_ago),
            )
        )
        s.commit()


def keys(sessions) -> set[str]:
    with sessions() as s:
        return set(s.scalars(select(IdempotencyRecord.key)))


def test_purge_removes_only_what_is_past_its_retention(sqlite_sessions):
    old_sent = add_outbox_row(sqlite_sessions, sent_hours_ago=169)
    recent_sent = add_outbox_row(sqlite_sessions, sent_hours_ago=167)
    unsent = add_outbox_row(sqlite_sessions, sent_hours_ago=None)
    add_inbox_row(sqlite_sessions, "old", days_ago=31)
    add_inbox_row(sqlite_sessions, "recent", days_ago=29)
    add_key(sqlite_sessions, "expired", hours_ago=25)
    add_key(sqlite_sessions, "live", hours_ago=23)

    purged = purge_expired(sqlite_sessions, SETTINGS)

    assert (purged.outbox, purged.processed_events, purged.idempotency_keys, purged.more) == (1, 1, 1, False)
    assert [r.event_id for r in outbox_rows(sqlite_sessions)] == [recent_sent, unsent]
    assert old_sent not in {r.event_id for r in outbox_rows(sqlite_sessions)}
    assert inbox_ids(sqlite_sessions) == {"recent"}
    assert keys(sqlite_sessions) == {"live"}


def test_an_unsent_outbox_row_is_never_purged_however_old(sqlite_sessions):
    event_id = add_outbox_row(sqlite_sessions, sent_hours_ago=None)
    with sqlite_sessions() as s:
        s.execute(update(OutboxMessage).values(created_at=utcnow() - timedelta(days=365)))
        s.commit()
    assert purge_expired(sqlite_sessions, SETTINGS).outbox == 0
    assert [r.event_id for r in outbox_rows(sqlite_sessions)] == [event_id]


def test_retention_follows_the_settings(sqlite_sessions):
    add_outbox_row(sqlite_sessions, sent_hours_ago=2)
    add_inbox_row(sqlite_sessions, "e1", days_ago=2)
    add_key(sqlite_sessions, "k1", hours_ago=2)
    short = SETTINGS.with_(outbox_retention_hours=1, inbox_retention_days=1, idempotency_ttl_hours=1)
    assert purge_expired(sqlite_sessions, short).total == 3


def test_settings_read_retention_from_the_environment(monkeypatch):
    monkeypatch.setenv("OUTBOX_RETENTION_HOURS", "48")
    monkeypatch.setenv("INBOX_RETENTION_DAYS", "60")
    monkeypatch.setenv("IDEMPOTENCY_TTL_HOURS", "12")
    settings = Settings.from_env("customers")
    assert (
        settings.outbox_retention_hours,
        settings.inbox_retention_days,
        settings.idempotency_ttl_hours,
    ) == (
        48,
        60,
        12,
    )
    defaults = Settings(service="x", database_url="sqlite://")
    assert (defaults.outbox_retention_hours, defaults.inbox_retention_days) == (168, 30)


def test_purge_works_in_batches_and_says_when_rows_are_left(sqlite_sessions):
    for i in range(7):
        add_inbox_row(sqlite_sessions, f"e{i}", days_ago=40)

    first = purge_expired(sqlite_sessions, SETTINGS, batch_size=2, max_batches=2)
    assert (first.processed_events, first.more) == (4, True)
    second = purge_expired(sqlite_sessions, SETTINGS, batch_size=2, max_batches=2)
    assert (second.processed_events, second.more) == (3, False)
    assert inbox_ids(sqlite_sessions) == set()


class OneRoundConnection:
    """Stands in for pika's connection in the relay's loop: each `sleep` ends the loop."""

    def __init__(self, stop: threading.Event):
        self.stop = stop

    def sleep(self, _seconds: float) -> None:
        self.stop.set()


def test_the_relay_loop_purges_expired_rows(sqlite_sessions, monkeypatch):
    monkeypatch.setattr(relay_module, "PURGE_BACKLOG_EVERY_SECONDS", 0.0)
    add_outbox_row(sqlite_sessions, sent_hours_ago=200)
    add_inbox_row(sqlite_sessions, "old", days_ago=31)
    fresh = publish_deleted(sqlite_sessions, "c2")
    stop = threading.Event()

    relay = OutboxRelay(SETTINGS, sqlite_sessions)
    relay._relay_until_stopped(OneRoundConnection(stop), InMemoryBus(), stop)

    assert [r.event_id for r in outbox_rows(sqlite_sessions)] == [fresh]  # just sent, so kept
    assert inbox_ids(sqlite_sessions) == set()


def test_a_failing_purge_does_not_stop_the_relay(sqlite_sessions, monkeypatch):
    def broken(*_args, **_kwargs):
        raise OperationalError("DELETE ...", {}, RuntimeError("locked"))

    monkeypatch.setattr(relay_module, "PURGE_BACKLOG_EVERY_SECONDS", 0.0)
    monkeypatch.setattr(relay_module, "purge_expired", broken)
    event_id = publish_deleted(sqlite_sessions, "c1")
    bus, stop = InMemoryBus(), threading.Event()

    OutboxRelay(SETTINGS, sqlite_sessions)._relay_until_stopped(OneRoundConnection(stop), bus, stop)

    assert [m.event_id for m in bus.messages] == [event_id]
    assert OutboxRelay(SETTINGS, sqlite_sessions)._purge() == relay_module.PURGE_EVERY_SECONDS
