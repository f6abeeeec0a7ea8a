"""A broker outage does not stop writes: the outbox keeps the events and delivers them once it is back."""

from collections import defaultdict

import pytest
import requests

from harness.api import expect, private_customer

pytestmark = pytest.mark.broker_control

CUSTOMERS = 50
PATCHED = 10


def test_customers_created_during_a_broker_outage_are_all_published_once_in_order(
    system, tenant, events, broker
):
    # Bound before the outage, durable and not exclusive, so it outlives the broker's stop.
    queue = events("customer.created", "customer.updated", durable=True)
    client = tenant.admin
    created: list[dict] = []

    broker.stop()
    try:
        for i in range(CUSTOMERS):
            r = client.post("/v1/customers", json=private_customer(surname=f"Outage{i:02d}"))
            assert r.status_code == 201, f"customer {i} during the outage: {r.status_code} {r.text[:300]}"
            created.append({"id": r.json()["id"], "etag": r.headers["ETag"]})
        for c in created[:PATCHED]:
            r = client.patch(
                f"/v1/customers/{c['id']}", json={"first_name": "Patched"}, headers={"If-Match": c["etag"]}
            )
            expect(r, 200)
        # readiness as the deployment probes it (database only) keeps the web processes in rotation;
        # the full /readyz tells the operator the broker is missing
        for url in (system.customers_url, system.gateway_url):
            assert requests.get(f"{url}/readyz?only=database", timeout=10).status_code == 200, url
        full = requests.get(f"{system.customers_url}/readyz", timeout=10)
        assert full.status_code == 503 and full.json()["checks"]["broker"].startswith("unavailable")
    finally:
        broker.start()

    ours = {c["id"] for c in created}
    mine = lambda e: e.get("subject") in ours  # noqa: E731
    queue.wait_for(CUSTOMERS, "customer.created", timeout=90, where=mine)
    queue.wait_for(PATCHED, "customer.updated", timeout=30, where=mine)
    queue.get_all(timeout=3)  # duplicates, if any, would arrive now

    by_customer: dict[str, list[dict]] = defaultdict(list)
    for m in queue.matching(where=mine):
        by_customer[m.subject].append(m.body)

    assert set(by_customer) == ours
    ids = [e["id"] for events_ in by_customer.values() for e in events_]
    assert len(ids) == len(set(ids)), "an event was delivered more than once"
    for c in created:
        types = [e["type"] for e in by_customer[c["id"]]]
        expected = (
            ["customer.created", "customer.updated"] if c in created[:PATCHED] else ["customer.created"]
        )
        assert types == expected, f"customer {c['id']}: events arrived as {types}"
        versions = [e["data"]["version"] for e in by_customer[c["id"]]]
        assert versions == sorted(versions), f"customer {c['id']}: versions out of order {versions}"
        assert all(e["tenantid"] == tenant.id for e in by_customer[c["id"]])

    # creation order across customers too: the outbox relays in commit order
    created_order = [m.subject for m in queue.matching("customer.created", mine)]
    assert created_order == [c["id"] for c in created]
