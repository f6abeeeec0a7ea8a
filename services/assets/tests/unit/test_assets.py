"""Assets on a customer, through the assets service's HTTP API (as the gateway forwards it)."""

from __future__ import annotations

import pytest

from assets.store.models import Asset, KnownCustomer
from fieldbook_shared.db import OutboxMessage

from ..conftest import count

ZERO = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def catalogue(api):
    def add(kind, **body):
        resp = api.post(f"/v1/asset-catalogue/{kind}", body)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    make = add("makes", name="Worcester")
    return {
        "boilers": add("groups", name="Boilers"),
        "fires": add("groups", name="Fires"),
        "gas": add("fuel-types", name="Gas"),
        "oil": add("fuel-types", name="Oil"),
        "kitchen": add("locations", name="Kitchen"),
        "loft": add("locations", name="Loft"),
        "worcester": make,
        "vaillant": add("makes", name="Vaillant"),
        "model": add(
            "models",
            name="Greenstar 30i",
            make_id=make,
            product_code="GS30I",
            description="Greenstar 30i combi boiler",
            product_class="Combi boiler",
        ),
    }


def test_add_an_asset_answers_201_with_location_etag_and_publishes_asset_created(api, customers, outbox):
    cid = customers.add_customer()
    body = {
        "serial_number": "SN-001",
        "technical_reference": "Boiler in kitchen",
        "install_date": "2024-03-01",
        "warranty_expiry": "2031-03-01",
        "cost_centre": "CC-9",
        "custom_fields": {"flue_type": "balanced", "output_kw": 30, "serviced": True},
    }
    resp = api.post(f"/v1/customers/{cid}/assets", body)
    assert resp.status_code == 201, resp.get_json()
    asset = resp.get_json()
    assert resp.headers["Location"] == f"/v1/assets/{asset['id']}"
    assert resp.headers["ETag"] == '"1"'
    assert asset["customer_id"] == cid
    assert asset["install_date"] == "2024-03-01" and asset["warranty_expiry"] == "2031-03-01"
    assert asset["custom_fields"] == {"flue_type": "balanced", "output_kw": 30, "serviced": True}
    [event] = outbox("asset.created")
    assert event["subject"] == asset["id"] and event["tenantid"] == "tenant-a"
    assert event["data"]["serial_number"] == "SN-001" and event["data"]["version"] == 1
    assert api.get(f"/v1/assets/{asset['id']}").get_json() == asset


def test_product_code_fills_brand_description_product_class_and_make(api, customers, catalogue):
    cid = customers.add_customer()
    asset = api.post(
        f"/v1/customers/{cid}/assets", {"serial_number": "S1", "product_code": "gs30i"}
    ).get_json()
    assert asset["product_code"] == "GS30I"
    assert asset["model_id"] == catalogue["model"]
    assert asset["brand"] == "Worcester"
    assert asset["description"] == "Greenstar 30i combi boiler"
    assert asset["product_class"] == "Combi boiler"
    assert asset["make_id"] == catalogue["worcester"]
    # a value sent with the code wins over the model's
    own = api.post(
        f"/v1/customers/{cid}/assets",
        {"serial_number": "S2", "product_code": "GS30I", "description": "Spare"},
    ).get_json()
    assert own["description"] == "Spare" and own["brand"] == "Worcester"


def test_unknown_product_code_or_catalogue_ids_are_field_errors_and_nothing_is_written(
    api, customers, catalogue, sessions, outbox
):
    cid = customers.add_customer()
    cases = [
        ({"serial_number": "S", "product_code": "NOPE"}, "product_code"),
        ({"serial_number": "S", "asset_group_id": ZERO}, "asset_group_id"),
        ({"serial_number": "S", "fuel_type_id": ZERO}, "fuel_type_id"),
        ({"serial_number": "S", "location_id": ZERO}, "location_id"),
        ({"serial_number": "S", "make_id": ZERO}, "make_id"),
        ({"serial_number": "S", "make_id": "not-a-uuid"}, "make_id"),
        ({"serial_number": "S", "product_code": "GS30I", "make_id": catalogue["vaillant"]}, "make_id"),
        (
            {"serial_number": "S", "install_date": "2024-05-01", "warranty_expiry": "2024-04-01"},
            "warranty_expiry",
        ),
        ({"serial_number": "S", "install_date": "yesterday"}, "install_date"),
        ({"serial_number": "S", "custom_fields": {"bad key": 1}}, "custom_fields.bad key"),
        ({"serial_number": "S", "custom_fields": {"nested": {"a": 1}}}, "custom_fields.nested"),
        ({"cost_centre": "CC"}, "serial_number"),
        ({"serial_number": "S", "colour": "red"}, "colour"),
    ]
    for body, field in cases:
        resp = api.post(f"/v1/customers/{cid}/assets", body)
        assert resp.status_code == 422, (body, resp.get_json())
        assert resp.mimetype == "application/problem+json"
        assert field in resp.get_json()["errors"], (field, resp.get_json())
    assert count(sessions, Asset) == 0
    assert count(sessions, OutboxMessage) == 0


def test_another_tenants_catalogue_entry_is_not_usable(api, customers):
    group = api.as_(tenant="tenant-b").post("/v1/asset-catalogue/groups", {"name": "Boilers"}).get_json()
    cid = customers.add_customer()
    resp = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S", "asset_group_id": group["id"]})
    assert resp.status_code == 422 and "asset_group_id" in resp.get_json()["errors"]


def test_a_duplicate_serial_number_is_409_naming_the_owner(api, customers, sessions):
    owner = customers.add_customer(name="Mary Jones")
    other = customers.add_customer(name="Bob Brown")
    first = api.post(f"/v1/customers/{owner}/assets", {"serial_number": "ab 123"}).get_json()
    for cid in (owner, other):
        resp = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "AB123"})
        assert resp.status_code == 409
        problem = resp.get_json()
        assert "Mary Jones" in problem["detail"] and owner in problem["detail"]
        assert problem["owner_customer_id"] == owner and problem["asset_id"] == first["id"]
    # editing another asset onto the serial number clashes too
    second = api.post(f"/v1/customers/{other}/assets", {"serial_number": "XY9"}).get_json()
    resp = api.patch(f"/v1/assets/{second['id']}", {"serial_number": "AB123"}, headers={"If-Match": '"1"'})
    assert resp.status_code == 409
    # other tenants have their own serial numbers
    b_customer = customers.add_customer(tenant="tenant-b")
    assert (
        api.as_(tenant="tenant-b")
        .post(f"/v1/customers/{b_customer}/assets", {"serial_number": "AB123"})
        .status_code
        == 201
    )
    assert count(sessions, Asset) == 3


def test_assets_without_a_serial_number_do_not_clash(api, customers):
    cid = customers.add_customer()
    for ref in ("Fire", "Cooker"):
        assert api.post(f"/v1/customers/{cid}/assets", {"technical_reference": ref}).status_code == 201


def test_an_unknown_customer_is_fetched_once_then_known_from_the_read_model(api, customers, sessions):
    cid = customers.add_customer()
    assert api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S1"}).status_code == 201
    assert api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S2"}).status_code == 201
    assert customers.calls == [("customer", cid)]
    assert count(sessions, KnownCustomer) == 1


def test_a_customer_the_customers_service_does_not_know_is_404(api, customers, sessions):
    missing = "11111111-1111-1111-1111-111111111111"
    assert api.post(f"/v1/customers/{missing}/assets", {"serial_number": "S1"}).status_code == 404
    assert api.get(f"/v1/customers/{missing}/assets").status_code == 404
    # another tenant's customer is not ours either
    b_customer = customers.add_customer(tenant="tenant-b")
    assert api.post(f"/v1/customers/{b_customer}/assets", {"serial_number": "S1"}).status_code == 404
    assert count(sessions, Asset) == 0


def test_customers_down_is_503_and_nothing_is_written(api, customers, sessions):
    cid = customers.add_customer()
    customers.down = True
    resp = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S1"})
    assert resp.status_code == 503 and resp.mimetype == "application/problem+json"
    assert count(sessions, Asset) == 0


def test_work_address_and_branch_must_belong_to_the_customer(api, customers):
    cid = customers.add_customer()
    other = customers.add_customer()
    own_wa, own_branch = customers.add_work_address(cid), customers.add_branch(cid)
    foreign_wa = customers.add_work_address(other)
    ok = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S1", "work_address_id": own_wa})
    assert ok.status_code == 201 and ok.get_json()["work_address_id"] == own_wa
    ok = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S2", "branch_id": own_branch})
    assert ok.status_code == 201 and ok.get_json()["branch_id"] == own_branch
    for body, field in [
        ({"serial_number": "S3", "work_address_id": foreign_wa}, "work_address_id"),
        ({"serial_number": "S3", "work_address_id": ZERO}, "work_address_id"),
        ({"serial_number": "S3", "branch_id": ZERO}, "branch_id"),
        ({"serial_number": "S3", "work_address_id": own_wa, "branch_id": own_branch}, "branch_id"),
    ]:
        resp = api.post(f"/v1/customers/{cid}/assets", body)
        assert resp.status_code == 422 and field in resp.get_json()["errors"], resp.get_json()


def test_filters_return_exactly_the_matching_assets_latest_first(api, customers, catalogue):
    cid = customers.add_customer()
    wa = customers.add_work_address(cid)
    c = catalogue

    def add(serial, **body):
        resp = api.post(f"/v1/customers/{cid}/assets", {"serial_number": serial, **body})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    a1 = add(
        "A1",
        asset_group_id=c["boilers"],
        fuel_type_id=c["gas"],
        location_id=c["kitchen"],
        product_code="GS30I",
    )
    a2 = add(
        "A2", asset_group_id=c["boilers"], fuel_type_id=c["oil"], location_id=c["loft"], work_address_id=wa
    )
    a3 = add(
        "A3", asset_group_id=c["fires"], fuel_type_id=c["gas"], location_id=c["loft"], make_id=c["vaillant"]
    )
    other_customer = customers.add_customer()
    api.post(f"/v1/customers/{other_customer}/assets", {"serial_number": "Z", "asset_group_id": c["boilers"]})

    def ids(**params):
        resp = api.get(f"/v1/customers/{cid}/assets", query_string=params)
        assert resp.status_code == 200, resp.get_json()
        return [a["id"] for a in resp.get_json()]

    assert ids() == [a3, a2, a1]  # latest first
    assert ids(asset_group_id=c["boilers"]) == [a2, a1]
    assert ids(fuel_type_id=c["gas"]) == [a3, a1]
    assert ids(location_id=c["loft"]) == [a3, a2]
    assert ids(make_id=c["worcester"]) == [a1]
    assert ids(make_id=c["vaillant"]) == [a3]
    assert ids(work_address_id=wa) == [a2]
    assert ids(asset_group_id=c["boilers"], fuel_type_id=c["gas"]) == [a1]
    assert ids(fuel_type_id=c["oil"], location_id=c["kitchen"]) == []
    assert ids(serial_number="a3") == [a3]
    bad = api.get(f"/v1/customers/{cid}/assets", query_string={"make_id": "nope"})
    assert bad.status_code == 422 and "make_id" in bad.get_json()["errors"]


def test_lists_are_paged_with_pagination_and_link_headers(api, customers):
    cid = customers.add_customer()
    for i in range(5):
        api.post(f"/v1/customers/{cid}/assets", {"serial_number": f"P{i}"})
    resp = api.get(f"/v1/customers/{cid}/assets", query_string={"page": 2, "page_size": 2})
    assert [a["serial_number"] for a in resp.get_json()] == ["P2", "P1"]
    assert '"total": 5' in resp.headers["X-Pagination"] or '"total":5' in resp.headers["X-Pagination"]
    assert 'rel="next"' in resp.headers["Link"]


def test_patch_needs_if_match_and_publishes_asset_updated(api, customers, outbox, catalogue):
    cid = customers.add_customer()
    asset = api.post(
        f"/v1/customers/{cid}/assets", {"serial_number": "S1", "technical_reference": "Old"}
    ).get_json()
    path = f"/v1/assets/{asset['id']}"
    assert api.patch(path, {"technical_reference": "New"}).status_code == 428
    resp = api.patch(
        path, {"technical_reference": "New", "product_code": "GS30I"}, headers={"If-Match": '"1"'}
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["technical_reference"] == "New" and body["brand"] == "Worcester"
    assert resp.headers["ETag"] == '"2"'
    assert api.patch(path, {"technical_reference": "Newer"}, headers={"If-Match": '"1"'}).status_code == 412
    [event] = outbox("asset.updated")
    assert event["data"]["technical_reference"] == "New" and event["data"]["version"] == 2
    # clearing both identities is refused
    resp = api.patch(path, {"serial_number": None, "technical_reference": None}, headers={"If-Match": '"2"'})
    assert resp.status_code == 422


def test_delete_removes_the_asset_and_publishes_asset_deleted(api, customers, outbox):
    cid = customers.add_customer()
    asset = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S1"}).get_json()
    path = f"/v1/assets/{asset['id']}"
    assert api.delete(path, headers={"If-Match": '"7"'}).status_code == 412
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404
    [event] = outbox("asset.deleted")
    assert event["data"] == {
        "id": asset["id"],
        "customer_id": cid,
        "serial_number": "S1",
        "reason": "deleted",
    }
    # the serial number is free again
    assert api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S1"}).status_code == 201


def test_another_tenants_asset_is_not_found(api, customers):
    cid = customers.add_customer()
    asset = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S1"}).get_json()
    other = api.as_(tenant="tenant-b")
    assert other.get(f"/v1/assets/{asset['id']}").status_code == 404
    assert (
        other.patch(
            f"/v1/assets/{asset['id']}", {"cost_centre": "X"}, headers={"If-Match": '"1"'}
        ).status_code
        == 404
    )
    assert other.delete(f"/v1/assets/{asset['id']}").status_code == 404
    assert other.get(f"/v1/customers/{cid}/assets").status_code == 404


def test_idempotency_key_gives_the_same_asset(api, customers, sessions):
    cid = customers.add_customer()
    first = api.post(
        f"/v1/customers/{cid}/assets", {"serial_number": "S1"}, headers={"Idempotency-Key": "k1"}
    )
    again = api.post(
        f"/v1/customers/{cid}/assets", {"serial_number": "S1"}, headers={"Idempotency-Key": "k1"}
    )
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert count(sessions, Asset) == 1
