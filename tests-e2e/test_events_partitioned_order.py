"""Two worker processes of one service keep each customer's events in order.

assets runs its consumer as two processes over four partition queues (CONSUMER_PARTITIONS=4,
WORKER_COUNT=2; the consistent-hash exchange on the event's subject, one active consumer per
partition). Many customers are created and updated several times through the gateway, their
updates interleaved; the events the customers service published are read off a test queue (each
one's customer and version), and each worker's log says, line after line, what it applied. Every
event is applied exactly once, both workers did a share, and each customer's events were applied
by one worker in the order of their versions.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest

from harness.api import create_customer, expect
from harness.polling import eventually

SERVICE = "assets"
PARTITIONS = 4
CUSTOMERS = 24
UPDATES = 4


@pytest.fixture
def two_workers(system):
    names = system.partition_consumers(SERVICE, PARTITIONS, workers=2)
    try:
        yield names
    finally:
        system.unpartition_consumers(SERVICE, names, PARTITIONS)


def applied_in_order(system, names: list[str], tenant_id: str) -> dict[str, list[str]]:
    """Per worker: the event ids it logged as applied for the tenant, in the order it applied them."""
    out: dict[str, list[str]] = {}
    for name in names:
        ids = []
        with open(system.processes[name].log_path, "rb") as fh:
            for raw in fh:
                if b'"applied"' not in raw or tenant_id.encode() not in raw:
                    continue
                try:
                    line = json.loads(raw)
                except ValueError:
                    continue
                if line.get("outcome") == "applied" and line.get("tenant_id") == tenant_id:
                    ids.append(line["event_id"])
        out[name] = ids
    return out


def test_two_workers_apply_each_customers_events_in_order(system, tenant, events, two_workers):
    client = tenant.admin
    published = events("customer.created", "customer.updated")
    customers = [create_customer(client) for _ in range(CUSTOMERS)]
    versions = {c["id"]: c["version"] for c in customers}
    for round_ in range(UPDATES):  # interleaved: each customer's next update after everyone's last
        for cid in list(versions):
            r = expect(
                client.patch(
                    f"/v1/customers/{cid}",
                    json={"surname": f"Order{round_}"},
                    headers={"If-Match": f'"{versions[cid]}"'},
                ),
                200,
            )
            versions[cid] = r.json()["version"]

    expected = CUSTOMERS * (1 + UPDATES)
    mine = set(versions)

    def all_published():
        found = [m for m in published.get_all(timeout=0.5) if m.body.get("subject") in mine]
        return found if len(found) >= expected else None

    messages = eventually(all_published, timeout=120, message="the customers service's events")
    order = {m.body["id"]: (m.body["subject"], m.body["data"]["version"]) for m in messages}

    def all_applied():
        seen = applied_in_order(system, two_workers, tenant.id)
        ids = [i for applied in seen.values() for i in applied if i in order]
        return seen if len(set(ids)) >= len(order) else None

    seen = eventually(all_applied, timeout=180, interval=1.0, message="both workers applying every event")

    everything = Counter(i for applied in seen.values() for i in applied if i in order)
    assert set(everything) == set(order) and set(everything.values()) == {1}, "each event applied once"
    by_worker: dict[str, set[str]] = defaultdict(set)
    for name, applied in seen.items():
        for event_id in applied:
            if event_id in order:
                by_worker[order[event_id][0]].add(name)
    assert all(len(workers) == 1 for workers in by_worker.values()), (
        f"a customer's events applied by both workers: {dict(by_worker)}"
    )
    shares = {name: sum(1 for i in applied if i in order) for name, applied in seen.items()}
    assert all(shares.values()), f"one worker did everything: {shares}"
    for name, applied in seen.items():
        last: dict[str, int] = {}
        for event_id in applied:
            if event_id not in order:
                continue
            cid, version = order[event_id]
            assert version > last.get(cid, 0), f"{name} applied {cid} version {version} after {last[cid]}"
            last[cid] = version
    for cid, version in versions.items():  # every customer ends at its last version
        assert max(v for c, v in order.values() if c == cid) == version
