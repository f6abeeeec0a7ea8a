"""Values the columns cannot hold: keys grown by case folding, numbers JSON cannot carry."""

from __future__ import annotations

from assets.domain import rules


def test_keys_can_grow_past_their_columns():
    assert len(rules.serial_key("ß" * 100)) == 200
    assert len(rules.name_key("İ" * 200)) == 400
    assert len(rules.product_code_key("ﬃ" * 64)) == 192


def test_a_serial_number_whose_key_is_too_long_is_422_naming_it(api, customers):
    cid = customers.add_customer()
    r = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "ß" * 100})
    assert r.status_code == 422
    assert "serial_number" in r.get_json()["errors"]
    assert api.post(f"/v1/customers/{cid}/assets", {"serial_number": "ß" * 50}).status_code == 201


def test_a_catalogue_name_whose_key_is_too_long_is_422_naming_it(api):
    r = api.post("/v1/asset-catalogue/groups", {"name": "İ" * 200})
    assert r.status_code == 422 and "name" in r.get_json()["errors"]
    ok = api.post("/v1/asset-catalogue/groups", {"name": "Boilers"})
    r = api.patch(f"/v1/asset-catalogue/groups/{ok.get_json()['id']}", {"name": "İ" * 200})
    assert r.status_code == 422 and "name" in r.get_json()["errors"]


def test_a_product_code_whose_key_is_too_long_is_422_naming_it(api):
    make = api.post("/v1/asset-catalogue/makes", {"name": "Worcester"}).get_json()["id"]
    r = api.post("/v1/asset-catalogue/models", {"name": "M", "make_id": make, "product_code": "ﬃ" * 64})
    assert r.status_code == 422 and "product_code" in r.get_json()["errors"]


def test_custom_fields_refuse_nan_and_infinity(api, customers):
    cid = customers.add_customer()
    for raw in ("NaN", "Infinity", "-Infinity"):
        r = api.post(
            f"/v1/customers/{cid}/assets",
            data='{"serial_number": "S1", "custom_fields": {"rating": ' + raw + "}}",
            content_type="application/json",
        )
        assert r.status_code == 422, (raw, r.get_json())
        assert "custom_fields.rating" in r.get_json()["errors"]
    assert rules.custom_field_errors({"rating": 1.5, "n": 3}) == {}
