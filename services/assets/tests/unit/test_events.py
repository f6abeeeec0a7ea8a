"""What the assets service consumes from customers, applied once and in any order."""

from __future__ import annotations

import uuid

from assets.store.models import Asset, KnownCustomer

from ..conftest import count, customer_snapshot, publish


def new_id() -> str:
    return str(uuid.uuid4())


def known(sessions, customer_id) -> KnownCustomer | None:
    from sqlalchemy import select

    with sessions() as s:
        return s.scalar(select(KnownCustomer).where(KnownCustomer.customer_id == customer_id))


def test_a_customer_heard_of_through_events_needs_no_lookup(api, bus, customers):
    cid = new_id()
    publish(bus, "customer.created", customer_snapshot(cid))
    [delivery] = bus.drain()
    assert delivery.outcome == "applied"
    assert api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S1"}).status_code == 201
    assert customers.calls == []


def test_an_older_snapshot_does_not_overwrite_a_newer_one(bus, sessions):
    cid = new_id()
    publish(bus, "customer.updated", customer_snapshot(cid, version=3, name="New Name"))
    publish(bus, "customer.updated", customer_snapshot(cid, version=2, name="Old Name"))
    bus.drain()
    assert known(sessions, cid).display_name == "New Name"
    assert known(sessions, cid).version == 3


def test_a_redelivered_event_is_not_applied_twice(bus):
    cid = new_id()
    publish(bus, "customer.created", customer_snapshot(cid), event_id="e-1")
    bus.drain()
    [delivery] = bus.redeliver_last()
    assert delivery.outcome == "duplicate"


def test_work_addresses_and_branches_from_events_validate_assets(api, bus, customers):
    cid, wid, bid = new_id(), new_id(), new_id()
    address = {"line_1": "2 Low St", "postcode": "LS2 2BB"}
    publish(bus, "customer.created", customer_snapshot(cid))
    publish(
        bus,
        "work_address.created",
        {"id": wid, "customer_id": cid, "version": 1, "address": address, "status": "active"},
    )
    publish(
        bus,
        "branch.created",
        {"id": bid, "customer_id": cid, "version": 1, "name": "Depot", "address": address},
    )
    bus.drain()
    assert (
        api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S1", "work_address_id": wid}).status_code
        == 201
    )
    assert (
        api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S2", "branch_id": bid}).status_code == 201
    )
    assert customers.calls == []


def test_customer_merged_moves_the_assets_to_the_survivor(api, bus, customers, outbox):
    survivor, merged = customers.add_customer(name="Keep Me"), customers.add_customer(name="Merge Me")
    kept = api.post(f"/v1/customers/{survivor}/assets", {"serial_number": "K1"}).get_json()
    moved = [
        api.post(f"/v1/customers/{merged}/assets", {"serial_number": f"M{i}"}).get_json() for i in range(2)
    ]
    publish(bus, "customer.merged", {"survivor_id": survivor, "merged_id": merged})
    bus.drain()
    listed = {a["id"] for a in api.get(f"/v1/customers/{survivor}/assets").get_json()}
    assert listed == {kept["id"], *(a["id"] for a in moved)}
    for asset in moved:
        body = api.get(f"/v1/assets/{asset['id']}").get_json()
        assert body["customer_id"] == survivor and body["version"] == 2
    updated = outbox("asset.updated")
    assert sorted(e["subject"] for e in updated) == sorted(a["id"] for a in moved)
    assert all(e["data"]["customer_id"] == survivor for e in updated)
    # the merged customer takes no new assets, and a late snapshot does not bring it back
    publish(bus, "customer.updated", customer_snapshot(merged, version=9))
    bus.drain()
    resp = api.post(f"/v1/customers/{merged}/assets", {"serial_number": "M9"})
    assert resp.status_code == 410 and survivor in resp.get_json()["detail"]
    assert resp.get_json()["merged_into"] == survivor


def test_customer_deleted_deletes_its_assets_and_publishes_asset_deleted(
    api, bus, customers, outbox, sessions
):
    gone, stays = customers.add_customer(), customers.add_customer()
    doomed = [
        api.post(f"/v1/customers/{gone}/assets", {"serial_number": f"D{i}"}).get_json() for i in range(2)
    ]
    api.post(f"/v1/customers/{stays}/assets", {"serial_number": "S1"})
    publish(bus, "customer.deleted", {"customer_id": gone})
    bus.drain()
    assert count(sessions, Asset) == 1
    deleted = outbox("asset.deleted")
    assert sorted(e["subject"] for e in deleted) == sorted(a["id"] for a in doomed)
    assert {e["data"]["reason"] for e in deleted} == {"customer_deleted"}
    assert api.get(f"/v1/customers/{gone}/assets").status_code == 404
    # out of order: the deletion heard before the creation keeps the customer gone
    late = new_id()
    publish(bus, "customer.deleted", {"customer_id": late})
    publish(bus, "customer.created", customer_snapshot(late))
    bus.drain()
    assert known(sessions, late).removed is True


def test_events_of_another_tenant_touch_nothing(api, bus, customers, sessions):
    cid = customers.add_customer()
    api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S1"})
    publish(bus, "customer.deleted", {"customer_id": cid}, tenant="tenant-b")
    publish(bus, "customer.merged", {"survivor_id": new_id(), "merged_id": cid}, tenant="tenant-b")
    bus.drain()
    [asset] = api.get(f"/v1/customers/{cid}/assets").get_json()
    assert asset["customer_id"] == cid and asset["version"] == 1


def test_branch_merged_moves_assets_to_the_surviving_branch(api, bus, customers):
    cid = customers.add_customer()
    keep, merge = customers.add_branch(cid), customers.add_branch(cid)
    asset = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "B1", "branch_id": merge}).get_json()
    publish(bus, "branch.merged", {"customer_id": cid, "survivor_id": keep, "merged_id": merge})
    bus.drain()
    assert api.get(f"/v1/assets/{asset['id']}").get_json()["branch_id"] == keep


def branch_snapshot(branch_id: str, customer_id: str, version: int = 1, name: str = "Depot") -> dict:
    address = {"line_1": "3 Depot Rd", "postcode": "LS3 3CC"}
    return {"id": branch_id, "customer_id": customer_id, "version": version, "name": name, "address": address}


def test_branch_deleted_unlinks_its_assets_and_publishes_asset_updated(api, bus, customers, outbox):
    cid = customers.add_customer()
    gone, stays = customers.add_branch(cid), customers.add_branch(cid)
    unlinked = [
        api.post(f"/v1/customers/{cid}/assets", {"serial_number": f"G{i}", "branch_id": gone}).get_json()
        for i in range(2)
    ]
    kept = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "K1", "branch_id": stays}).get_json()
    publish(bus, "branch.deleted", {"id": gone, "customer_id": cid})
    [delivery] = bus.drain()
    assert delivery.outcome == "applied"
    for asset in unlinked:
        body = api.get(f"/v1/assets/{asset['id']}").get_json()
        assert body["customer_id"] == cid and body["branch_id"] is None and body["version"] == 2
    body = api.get(f"/v1/assets/{kept['id']}").get_json()
    assert body["branch_id"] == stays and body["version"] == 1
    updated = outbox("asset.updated")
    assert sorted(e["subject"] for e in updated) == sorted(a["id"] for a in unlinked)
    assert all(e["data"]["branch_id"] is None and e["data"]["version"] == 2 for e in updated)


def test_branch_deleted_heard_twice_changes_nothing(api, bus, customers, outbox):
    cid = customers.add_customer()
    bid = customers.add_branch(cid)
    asset = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "B1", "branch_id": bid}).get_json()
    publish(bus, "branch.deleted", {"id": bid, "customer_id": cid}, event_id="del-1")
    bus.drain()
    [delivery] = bus.redeliver_last()
    assert delivery.outcome == "duplicate"
    # the same deletion published again under another event id finds nothing to change
    publish(bus, "branch.deleted", {"id": bid, "customer_id": cid})
    [delivery] = bus.drain()
    assert delivery.outcome == "applied"
    assert api.get(f"/v1/assets/{asset['id']}").get_json()["version"] == 2
    assert len(outbox("asset.updated")) == 1


def test_an_asset_naming_a_deleted_branch_is_refused(api, bus, customers):
    cid = customers.add_customer()
    bid = customers.add_branch(cid)  # customers' lookup still answers for it: the tombstone wins
    path = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "B1", "branch_id": bid}).headers[
        "Location"
    ]
    publish(bus, "branch.deleted", {"id": bid, "customer_id": cid})
    bus.drain()
    resp = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "B2", "branch_id": bid})
    assert resp.status_code == 422 and "branch_id" in resp.get_json()["errors"]
    resp = api.patch(path, {"branch_id": bid}, headers={"If-Match": '"2"'})
    assert resp.status_code == 422 and "branch_id" in resp.get_json()["errors"]


def test_a_late_branch_snapshot_does_not_bring_a_deleted_branch_back(api, bus, customers, sessions):
    cid = new_id()
    bid, early = new_id(), new_id()
    publish(bus, "customer.created", customer_snapshot(cid))
    publish(bus, "branch.created", branch_snapshot(bid, cid, version=1))
    publish(bus, "branch.updated", branch_snapshot(bid, cid, version=2, name="Depot 2"))
    publish(bus, "branch.deleted", {"id": bid, "customer_id": cid})
    publish(bus, "branch.updated", branch_snapshot(bid, cid, version=1, name="Old Depot"))
    # out of order: the deletion heard before the branch's creation keeps it gone
    publish(bus, "branch.deleted", {"id": early, "customer_id": cid})
    publish(bus, "branch.created", branch_snapshot(early, cid, version=1))
    bus.drain()
    for branch_id in (bid, early):
        resp = api.post(
            f"/v1/customers/{cid}/assets", {"serial_number": branch_id[:8], "branch_id": branch_id}
        )
        assert resp.status_code == 422 and "branch_id" in resp.get_json()["errors"]
    assert customers.calls == []
    assert count(sessions, Asset) == 0


def test_the_queue_is_bound_to_branch_deleted():
    from assets.handlers import HANDLERS
    from fieldbook_shared.messaging.topology import declare_service_queues

    class Channel:
        def __init__(self):
            self.bound: list[tuple[str, str]] = []

        def exchange_declare(self, *args, **kwargs):
            pass

        def queue_declare(self, *args, **kwargs):
            pass

        def queue_bind(self, queue, exchange, routing_key):
            self.bound.append((queue, routing_key))

    from assets.settings import load_settings

    settings = load_settings(testing=True)
    channel = Channel()
    declare_service_queues(channel, settings, HANDLERS)
    assert (settings.queue, "branch.deleted") in channel.bound


def test_customer_erased_forgets_the_name_in_the_serial_number_clash(api, bus, customers):
    cid = customers.add_customer(name="Private Person")
    api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S1"})
    publish(bus, "customer.erased", {"customer_id": cid})
    bus.drain()
    other = customers.add_customer()
    detail = api.post(f"/v1/customers/{other}/assets", {"serial_number": "S1"}).get_json()["detail"]
    assert "Private Person" not in detail and cid in detail


def test_outbox_events_reach_the_bus_in_order(api, bus, customers):
    cid = customers.add_customer()
    path = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S1"}).headers["Location"]
    api.patch(path, {"cost_centre": "CC1"}, headers={"If-Match": '"1"'})
    api.delete(path)
    bus.drain([bus.relay])
    assert [m.event_type for m in bus.messages] == ["asset.created", "asset.updated", "asset.deleted"]


def test_customer_erased_is_reported_with_the_assets_kept(api, bus, customers, outbox):
    cid = customers.add_customer(name="Private Person")
    api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S9"})
    publish(bus, "customer.erased", {"customer_id": cid})
    bus.drain()
    (report,) = outbox("customer.erasure_reported")
    assert report["data"] == {
        "customer_id": cid,
        "service": "assets",
        "actions": {"customer_name_anonymised": True, "assets_kept": 1},
    }
