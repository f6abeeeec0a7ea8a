"""On PostgreSQL, workers running the reminder chain at the same moment claim each stage once: of
the concurrent inserts of one (reminder, date, stage) row one wins, the others are refused and
move on, and only the winner's request to comms is in the outbox."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from fieldbook_shared.context import RequestContext
from fieldbook_shared.migrations import upgrade
from fieldbook_shared.testing import TENANT, count, scratch_postgres_database
from servicing.domain.rules import Offsets, add_months
from servicing.manage import MIGRATIONS
from servicing.service.chain import remind
from servicing.settings import load_settings
from servicing.store.models import ReminderSend

pytestmark = pytest.mark.integration

DUE = date(2027, 4, 12)
OFFSETS = Offsets()
WORKERS = 4


@pytest.fixture
def settings():
    """Replaces the unit tests' SQLite settings: the same fixtures then run on PostgreSQL."""
    with scratch_postgres_database("servicing_it") as url:
        upgrade(MIGRATIONS, url)
        yield load_settings(database_url=url, testing=True, log_level="WARNING")


def test_concurrent_chains_claim_each_stage_once(api, world, uow_factory, sessions, outbox):
    api.put(f"/v1/service-intervals/asset-groups/{world.group}", json={"months": 12})
    customer = world.customer()
    reminders = []
    for _ in range(5):
        asset = world.asset(customer, add_months(DUE, -12))
        reminders.append(
            api.get("/v1/service-reminders", query_string={"asset_id": asset}).get_json()[0]["id"]
        )
    for day, stage in ((DUE - timedelta(days=28), "first"), (DUE - timedelta(days=7), "second")):
        for reminder_id in reminders:
            barrier = threading.Barrier(WORKERS)
            claimed: list[str | None] = []

            def chain(reminder_id=reminder_id, day=day, barrier=barrier, claimed=claimed):
                uow = uow_factory(RequestContext.system(TENANT, actor="system:servicing"))
                barrier.wait(10)
                claimed.append(remind(uow, reminder_id, day, OFFSETS))

            threads = [threading.Thread(target=chain) for _ in range(WORKERS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert sorted(claimed, key=str) == sorted([stage] + [None] * (WORKERS - 1), key=str)
    assert count(sessions, ReminderSend) == 10
    requested = outbox("service_reminder.send_requested")
    assert len(requested) == 10
    assert len({e["data"]["message_key"] for e in requested}) == 10
