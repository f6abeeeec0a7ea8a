"""The consumer's inbox: an event delivered again (same id) is acknowledged but not applied twice."""

from harness.amqp import cloud_event
from harness.api import create_customer, expect, private_customer
from harness.polling import consistently, eventually


def accounts_ref(client, customer_id: str):
    return expect(client.get(f"/v1/customers/{customer_id}"), 200).json()["accounts_ref"]


def test_redelivered_event_id_is_not_applied_twice(amqp, tenant):
    client = tenant.admin
    # distinct emails: two customers with one email would (rightly) wait for a person's review in Sage
    customer = create_customer(client, private_customer(surname="Linked", email="linked@example.com"))["id"]
    sentinel = create_customer(client, private_customer(surname="Sentinel", email="sentinel@example.com"))[
        "id"
    ]

    def linked(cid: str, ref: str, event_id: str | None = None) -> dict:
        data = {"customer_id": cid, "accounts_ref": ref}
        return cloud_event(
            "accounting.customer_linked", data, tenant_id=tenant.id, subject=cid, event_id=event_id
        )

    # accounting-sync links both to Sage itself: let that happen first, so only our events race
    for cid in (customer, sentinel):
        eventually(lambda cid=cid: accounts_ref(client, cid), timeout=60, message="linked by accounting-sync")

    dead_before = amqp.queue_depth("customers.events.dead")
    first = linked(customer, "AAA1")
    amqp.publish(first)
    eventually(lambda: accounts_ref(client, customer) == "AAA1", timeout=60)

    amqp.publish(linked(customer, "BBB2"))
    eventually(lambda: accounts_ref(client, customer) == "BBB2", timeout=60)

    amqp.publish(first)  # the very same event again, as a redelivery would bring it
    # The queue is consumed in order: once a later event is applied, the duplicate has been handled.
    amqp.publish(linked(sentinel, "SENT1"))
    eventually(lambda: accounts_ref(client, sentinel) == "SENT1", timeout=60)

    consistently(lambda: accounts_ref(client, customer) == "BBB2", duration=2)
    assert amqp.queue_depth("customers.events") == 0
    # acknowledged as a duplicate, not failed into the dead letters
    assert amqp.queue_depth("customers.events.dead") == dead_before
