"""An event the customers service cannot process ends in its dead-letter queue; the queue keeps flowing,
and the operator command lists and replays it."""

from datetime import UTC, datetime, timedelta

import pytest

from harness.amqp import cloud_event
from harness.api import create_customer, expect
from harness.polling import eventually

DEAD = "customers.events.dead"
QUEUE = "customers.events"


def accounts_ref(client, customer_id: str):
    return expect(client.get(f"/v1/customers/{customer_id}"), 200).json()["accounts_ref"]


def accounts_balance(client, customer_id: str):
    return expect(client.get(f"/v1/customers/{customer_id}"), 200).json()["accounts_balance"]


def balance_event(tenant, customer_id: str, balance: str, as_of: datetime) -> dict:
    data = {"customer_id": customer_id, "balance": balance, "as_of": as_of.isoformat()}
    return cloud_event("accounting.balance_updated", data, tenant_id=tenant.id, subject=customer_id)


@pytest.fixture
def dead_letters_emptied(amqp):
    """Leave the dead-letter queue empty for the tests after this one."""
    yield
    amqp.purge(DEAD)


def test_poison_event_is_dead_lettered_and_replayable_while_good_events_still_flow(
    system, amqp, tenant, dead_letters_emptied
):
    client = tenant.admin
    customer = create_customer(client)
    cid = customer["id"]
    # accounting-sync links it to Sage itself: let that happen first, so only our events race
    eventually(lambda: accounts_ref(client, cid), timeout=60, message="linked by accounting-sync")
    dead_before = amqp.queue_depth(DEAD)  # 0 unless an earlier test left one: counted, not assumed

    # A well-formed event (it passes the catalogue's schema) that the handler cannot apply: a balance
    # of 10^20 does not fit the customer's NUMERIC(12, 2) column, so every delivery fails in the
    # database and is rolled back. Its reading is the newest (a later one would make it stale, and so
    # skipped, once a good one is applied). A good event is published right behind it, dated ahead
    # of any reading a balance poll of accounting-sync may publish meanwhile (those would win).
    now = datetime.now(UTC)
    poison = balance_event(tenant, cid, "99999999999999999999.99", as_of=now + timedelta(hours=1))
    good = balance_event(tenant, cid, "12.34", as_of=now + timedelta(minutes=30))
    amqp.publish(poison)
    amqp.publish(good)

    eventually(
        lambda: accounts_balance(client, cid) == "12.34",
        timeout=30,
        message="the good event behind the poison was not applied",
    )
    eventually(
        lambda: amqp.queue_depth(DEAD) == dead_before + 1,
        timeout=60,
        message="poison message not dead-lettered",
    )
    eventually(lambda: amqp.queue_depth(QUEUE) == 0, timeout=30, message="the queue did not drain")

    listing = system.dead_letters("--service", "customers", "list")
    [line] = [line for line in listing.stdout.splitlines() if poison["id"] in line]
    assert "accounting.balance_updated" in line
    assert "reason=delivery_limit" in line, line  # dead after the delivery limit, not rejected at once
    assert f"from={QUEUE}" in line, line
    assert amqp.queue_depth(DEAD) == dead_before + 1, "listing must not consume dead letters"

    # Replay with the worker stopped, so the replayed message can be seen back in the service's queue.
    system.kill("customers-worker")
    try:
        replay = system.dead_letters("--service", "customers", "replay", "--all")
        assert poison["id"] in replay.stdout, replay.stdout
        assert amqp.queue_depth(DEAD) == 0
        # back in the service's queue (beside whatever else arrived while the worker was stopped)
        assert amqp.queue_depth(QUEUE) >= 1
    finally:
        system.start("customers-worker")

    # Still poison: it fails again and returns to the dead letters, and was never applied.
    eventually(
        lambda: amqp.queue_depth(DEAD) == 1, timeout=60, message="replayed poison not dead-lettered again"
    )
    eventually(lambda: amqp.queue_depth(QUEUE) == 0, timeout=30, message="the queue did not drain")
    # never applied: neither its balance nor its (later) reading time is on the customer
    after = expect(client.get(f"/v1/customers/{cid}"), 200).json()
    assert after["accounts_balance"] == "12.34", after["accounts_balance"]
    assert datetime.fromisoformat(after["accounts_balance_as_of"]) < now + timedelta(hours=1)


def test_event_missing_its_customer_id_is_dead_lettered(system, amqp, tenant, dead_letters_emptied):
    client = tenant.admin
    customer = create_customer(client)
    # accounting-sync links it to Sage itself: wait for that, so the ref can only change by the poison
    ref = eventually(
        lambda: accounts_ref(client, customer["id"]), timeout=60, message="linked by accounting-sync"
    )
    before = amqp.queue_depth(DEAD)
    poison = cloud_event("accounting.customer_linked", {"accounts_ref": "NOID1"}, tenant_id=tenant.id)
    amqp.publish(poison)
    eventually(
        lambda: amqp.queue_depth(DEAD) == before + 1, timeout=30, message="poison message not dead-lettered"
    )
    listing = system.dead_letters("--service", "customers", "list")
    assert poison["id"] in listing.stdout
    assert accounts_ref(client, customer["id"]) == ref
