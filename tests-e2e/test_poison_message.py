"""An event the customers service cannot process ends in its dead-letter queue; the queue keeps flowing,
and the operator command lists and replays it."""

import pytest

from harness.amqp import cloud_event
from harness.api import create_customer, expect
from harness.polling import eventually

DEAD = "customers.events.dead"
QUEUE = "customers.events"


def accounts_ref(client, customer_id: str):
    return expect(client.get(f"/v1/customers/{customer_id}"), 200).json()["accounts_ref"]


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
    assert amqp.queue_depth(DEAD) == 0

    too_long_ref = {"customer_id": cid, "accounts_ref": "X" * 40}
    poison = cloud_event("accounting.customer_linked", too_long_ref, tenant_id=tenant.id, subject=cid)
    amqp.publish(poison)
    eventually(lambda: amqp.queue_depth(DEAD) == 1, timeout=30, message="poison message not dead-lettered")

    good = cloud_event(
        "accounting.customer_linked",
        {"customer_id": cid, "accounts_ref": "GOOD01"},
        tenant_id=tenant.id,
        subject=cid,
    )
    amqp.publish(good)
    eventually(
        lambda: accounts_ref(client, cid) == "GOOD01",
        timeout=20,
        message="good event after poison not applied",
    )

    listing = system.dead_letters("--service", "customers", "list")
    assert poison["id"] in listing.stdout, listing.stdout
    assert "accounting.customer_linked" in listing.stdout
    assert amqp.queue_depth(DEAD) == 1, "listing must not consume dead letters"

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
        lambda: amqp.queue_depth(DEAD) == 1, timeout=30, message="replayed poison not dead-lettered again"
    )
    eventually(lambda: amqp.queue_depth(QUEUE) == 0, timeout=30, message="the queue did not drain")
    assert accounts_ref(client, cid) == "GOOD01"


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
