"""Assets through the gateway: serial numbers unique per tenant, product codes that fill the model's
fields, filters, and the assets following a customer merge heard over RabbitMQ."""

from __future__ import annotations

import json

from harness.amqp import cloud_event
from harness.api import assert_problem, create_customer, expect, private_customer, unique
from harness.polling import eventually


def add(client, kind: str, **body) -> str:
    return expect(client.post(f"/v1/asset-catalogue/{kind}", json=body), 201).json()["id"]


def add_asset(client, customer_id: str, **body) -> dict:
    return expect(client.post(f"/v1/customers/{customer_id}/assets", json=body), 201).json()


def asset_ids(client, customer_id: str, **params) -> set[str]:
    r = expect(client.get(f"/v1/customers/{customer_id}/assets", params={"page_size": 100, **params}), 200)
    return {a["id"] for a in r.json()}


def test_a_duplicate_serial_number_is_409_naming_the_owner(tenant, events):
    client = tenant.admin
    created = events("asset.created")
    owner = create_customer(client, private_customer(first_name="Mary", surname="Jones"))["id"]
    other = create_customer(client, private_customer(first_name="Bob", surname="Brown"))["id"]
    serial = unique("SN-")
    first = add_asset(client, owner, serial_number=serial, technical_reference="Kitchen boiler")

    problem = assert_problem(
        client.post(f"/v1/customers/{other}/assets", json={"serial_number": serial.lower()}), 409
    )
    assert problem["owner_customer_id"] == owner, problem
    assert problem["asset_id"] == first["id"], problem
    assert owner in problem["detail"] and "Mary Jones" in problem["detail"], problem
    assert asset_ids(client, other) == set()

    # the asset's event reached the exchange through the outbox relay
    [event] = created.wait_for(1, "asset.created", where=lambda b: b["subject"] == first["id"])
    assert event.body["tenantid"] == tenant.id
    assert event.body["data"]["serial_number"] == serial


def test_a_product_code_fills_brand_description_product_class_and_make(tenant):
    client = tenant.admin
    make = add(client, "makes", name="Worcester")
    code = unique("GS").upper()
    add(
        client,
        "models",
        name="Greenstar 30i",
        make_id=make,
        product_code=code,
        description="Greenstar 30i combi boiler",
        product_class="Combi boiler",
    )
    clash = client.post("/v1/asset-catalogue/makes", json={"name": "worcester"})
    assert_problem(clash, 409)

    customer = create_customer(client)["id"]
    asset = add_asset(client, customer, serial_number=unique("SN-"), product_code=code.lower())
    assert asset["product_code"] == code
    assert asset["brand"] == "Worcester"
    assert asset["description"] == "Greenstar 30i combi boiler"
    assert asset["product_class"] == "Combi boiler"
    assert asset["make_id"] == make
    # read back through the gateway, with its ETag
    r = expect(client.get(f"/v1/assets/{asset['id']}"), 200)
    assert r.headers["ETag"] == '"1"' and r.json()["brand"] == "Worcester"

    unknown = client.post(
        f"/v1/customers/{customer}/assets", json={"serial_number": unique(), "product_code": "NOPE"}
    )
    assert "product_code" in assert_problem(unknown, 422)["errors"]


def test_filters_return_exactly_the_matching_assets(tenant):
    client = tenant.admin
    boilers, fires = add(client, "groups", name="Boilers"), add(client, "groups", name="Fires")
    gas, oil = add(client, "fuel-types", name="Gas"), add(client, "fuel-types", name="Oil")
    kitchen, loft = add(client, "locations", name="Kitchen"), add(client, "locations", name="Loft")
    ideal, baxi = add(client, "makes", name="Ideal"), add(client, "makes", name="Baxi")

    customer = create_customer(client)["id"]
    work_address = expect(
        client.post(
            f"/v1/customers/{customer}/work-addresses",
            json={"name": "Flat 2", "address": {"line_1": "2 Mill St", "postcode": "LS2 7HY"}},
        ),
        201,
    ).json()["id"]

    def asset(**body) -> str:
        return add_asset(client, customer, serial_number=unique("F-"), **body)["id"]

    a1 = asset(asset_group_id=boilers, fuel_type_id=gas, location_id=kitchen, make_id=ideal)
    a2 = asset(
        asset_group_id=boilers, fuel_type_id=oil, location_id=loft, make_id=baxi, work_address_id=work_address
    )
    a3 = asset(
        asset_group_id=fires, fuel_type_id=gas, location_id=loft, make_id=ideal, work_address_id=work_address
    )
    a4 = asset(asset_group_id=fires, fuel_type_id=oil, location_id=kitchen)
    other_customer = create_customer(client, private_customer(surname="Other"))["id"]
    add_asset(client, other_customer, serial_number=unique("O-"), asset_group_id=boilers, fuel_type_id=gas)

    assert asset_ids(client, customer) == {a1, a2, a3, a4}
    assert asset_ids(client, customer, asset_group_id=boilers) == {a1, a2}
    assert asset_ids(client, customer, fuel_type_id=gas) == {a1, a3}
    assert asset_ids(client, customer, location_id=loft) == {a2, a3}
    assert asset_ids(client, customer, make_id=ideal) == {a1, a3}
    assert asset_ids(client, customer, work_address_id=work_address) == {a2, a3}
    assert asset_ids(client, customer, asset_group_id=fires, fuel_type_id=oil) == {a4}
    assert asset_ids(client, customer, asset_group_id=boilers, location_id=loft, make_id=ideal) == set()

    # latest first, and paged
    r = expect(client.get(f"/v1/customers/{customer}/assets", params={"page_size": 3}), 200)
    assert [a["id"] for a in r.json()] == [a4, a3, a2]
    assert json.loads(r.headers["X-Pagination"])["total"] == 4


def test_customer_merged_on_the_exchange_moves_the_assets_to_the_survivor(tenant, amqp, events):
    client = tenant.admin
    updated = events("asset.updated")
    survivor = create_customer(client, private_customer(surname="Survivor"))["id"]
    merged = create_customer(client, private_customer(surname="Merged"))["id"]
    kept = add_asset(client, survivor, serial_number=unique("K-"))["id"]
    moved = {add_asset(client, merged, serial_number=unique("M-"))["id"] for _ in range(3)}

    amqp.publish(
        cloud_event(
            "customer.merged",
            {"survivor_id": survivor, "merged_id": merged},
            tenant_id=tenant.id,
            subject=survivor,
            source="customers",
        )
    )

    eventually(lambda: asset_ids(client, survivor) == {kept, *moved}, timeout=30, message="assets moved")
    # the merged customer is gone from assets' point of view: it points to the survivor
    gone = assert_problem(client.get(f"/v1/customers/{merged}/assets"), 410)
    assert gone["merged_into"] == survivor, gone
    for asset_id in moved:
        body = expect(client.get(f"/v1/assets/{asset_id}"), 200).json()
        assert body["customer_id"] == survivor and body["version"] == 2
    got = updated.wait_for(3, "asset.updated", where=lambda b: b["subject"] in moved)
    assert {m.body["data"]["customer_id"] for m in got} == {survivor}
    # and takes no new assets
    refused = assert_problem(
        client.post(f"/v1/customers/{merged}/assets", json={"serial_number": unique()}), 410
    )
    assert refused["merged_into"] == survivor, refused
