"""assets' part of a customer's timeline: each asset's history (created, updated, moved, deleted),
written with the change; it follows a merge to the survivor and goes with a deleted customer."""

from __future__ import annotations

from assets.store.models import AssetChange
from fieldbook_shared.timeline import encode_cursor, entry_key

from ..conftest import count, publish


def _entries(api, customer_id, **query) -> list[dict]:
    r = api.get(f"/internal/customers/{customer_id}/timeline-entries", query_string=query)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["entries"]


def _history(api, customers):
    cid = customers.add_customer()
    site = customers.add_work_address(cid)
    boiler = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "SN-1", "brand": "Worcester"})
    assert boiler.status_code == 201, boiler.get_json()
    boiler = boiler.get_json()
    r = api.patch(f"/v1/assets/{boiler['id']}", {"cost_centre": "CC-1"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.get_json()
    r = api.patch(f"/v1/assets/{boiler['id']}", {"work_address_id": site}, headers={"If-Match": '"2"'})
    assert r.status_code == 200, r.get_json()
    fire = api.post(
        f"/v1/customers/{cid}/assets", {"description": "Gas fire", "serial_number": "SN-2"}
    ).get_json()
    assert api.delete(f"/v1/assets/{fire['id']}", headers={"If-Match": '"1"'}).status_code == 204
    return cid, site, boiler, fire


def test_every_change_is_an_entry_newest_first(api, customers):
    cid, site, boiler, fire = _history(api, customers)
    entries = _entries(api, cid)
    assert [(e["status"], e["links"]["self"]) for e in entries] == [
        ("deleted", f"/v1/assets/{fire['id']}"),
        ("created", f"/v1/assets/{fire['id']}"),
        ("moved", f"/v1/assets/{boiler['id']}"),
        ("updated", f"/v1/assets/{boiler['id']}"),
        ("created", f"/v1/assets/{boiler['id']}"),
    ]
    assert {e["kind"] for e in entries} == {"asset_change"}
    assert entries[2]["title"] == "Asset moved: Worcester (serial SN-1)"
    assert entries[2]["work_address_id"] == site
    assert [e["status"] for e in _entries(api, cid, work_address_id=site)] == ["moved"]
    seen, before = [], None
    while page := _entries(api, cid, limit=2, **({"before": before} if before else {})):
        seen.extend(page)
        before = encode_cursor(entry_key(page[-1]))
    assert [e["id"] for e in seen] == [e["id"] for e in entries]


def test_history_follows_a_merge_and_goes_with_a_deleted_customer(api, bus, customers, sessions):
    merged, _site, _boiler, _fire = _history(api, customers)
    survivor = customers.add_customer(name="Keep Me")
    publish(bus, "customer.merged", {"survivor_id": survivor, "merged_id": merged})
    bus.drain()
    assert _entries(api, merged) == []
    moved = _entries(api, survivor)
    assert [e["status"] for e in moved][:1] == ["moved"] and len(moved) == 6  # the merge moved the boiler
    publish(bus, "customer.deleted", {"customer_id": survivor})
    bus.drain()
    assert _entries(api, survivor) == [] and count(sessions, AssetChange) == 0
