"""Retention's batched deletes on PostgreSQL (DELETE … WHERE key IN (SELECT … LIMIT n))."""

from __future__ import annotations

from datetime import timedelta

import pytest
from kit_support import inbox_ids, outbox_rows, publish_deleted
from sqlalchemy import update

from fieldbook_shared.db import IdempotencyRecord, OutboxMessage, ProcessedEvent, utcnow
from fieldbook_shared.retention import purge_expired
from fieldbook_shared.settings import Settings

pytestmark = pytest.mark.integration


def test_purge_on_postgres_in_batches(pg_sessions):
    settings = Settings(service="customers", database_url="unused")
    long_ago = utcnow() - timedelta(days=60)
    kept = publish_deleted(pg_sessions, "kept")  # unsent
    for i in range(5):
        publish_deleted(pg_sessions, f"c{i}")
    with pg_sessions() as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.event_id != kept).values(sent_at=long_ago))
        s.add_all(
            ProcessedEvent(event_id=f"e{i}", event_type="customer.deleted", processed_at=long_ago)
            for i in range(5)
        )
        s.add(ProcessedEvent(event_id="recent", event_type="customer.deleted"))
        s.add(IdempotencyRecord(tenant_id="t1", key="k", request_hash="h", created_at=long_ago))
        s.commit()

    first = purge_expired(pg_sessions, settings, batch_size=2, max_batches=2)
    assert (first.outbox, first.processed_events, first.idempotency_keys, first.more) == (4, 4, 1, True)
    second = purge_expired(pg_sessions, settings, batch_size=2, max_batches=2)
    assert (second.outbox, second.processed_events, second.more) == (1, 1, False)

    assert [r.event_id for r in outbox_rows(pg_sessions)] == [kept]
    assert inbox_ids(pg_sessions) == {"recent"}
