"""Custom fields: a request's own values are checked; stored values never block an unrelated edit."""

from __future__ import annotations

import json

from ..conftest import private_customer
from .test_imports import csv_bytes, person, run_import


def _define(api, key: str, field_type: str = "text", **extra) -> None:
    resp = api.post(
        "/v1/custom-fields", {"key": key, "label": key.title(), "field_type": field_type, **extra}
    )
    assert resp.status_code == 201, resp.get_json()


def _patch(api, path: str, body: dict):
    return api.patch(path, body, headers={"If-Match": api.get(path).headers["ETag"]})


def test_a_customer_holding_a_removed_field_can_still_be_edited(api):
    _define(api, "boiler")
    path = api.post("/v1/customers", private_customer(custom_fields={"boiler": "Combi"})).headers["Location"]
    assert api.delete("/v1/custom-fields/boiler").status_code == 204

    renamed = _patch(api, path, {"surname": "Smyth"})
    assert renamed.status_code == 200, renamed.get_json()
    # the value stays on the record, unchecked, until someone clears it
    assert renamed.get_json()["custom_fields"] == {"boiler": "Combi"}

    refused = _patch(api, path, {"custom_fields": {"boiler": "System"}})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"custom_fields.boiler": ["Unknown custom field."]}

    cleared = _patch(api, path, {"custom_fields": {"boiler": None}})
    assert cleared.status_code == 200 and cleared.get_json()["custom_fields"] == {}


def test_a_field_made_required_later_does_not_lock_existing_customers(api):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    _define(api, "tier", "choice", choices=["gold", "silver"])
    _define(api, "gas_safe", "boolean", required=True)

    edited = _patch(api, path, {"surname": "Smyth", "custom_fields": {"tier": "gold"}})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["custom_fields"] == {"tier": "gold"}

    # a new customer must fill it
    missing = api.post("/v1/customers", private_customer())
    assert missing.status_code == 422
    assert missing.get_json()["errors"] == {"custom_fields.gas_safe": ["Missing data for required field."]}
    assert api.post("/v1/customers", private_customer(custom_fields={"gas_safe": True})).status_code == 201

    # once filled, a required field cannot be blanked
    assert _patch(api, path, {"custom_fields": {"gas_safe": False}}).status_code == 200
    blanked = _patch(api, path, {"custom_fields": {"gas_safe": None}})
    assert blanked.status_code == 422
    assert blanked.get_json()["errors"] == {"custom_fields.gas_safe": ["Missing data for required field."]}


def test_a_stored_value_that_no_longer_fits_its_field_does_not_block_other_edits(api):
    _define(api, "boiler")
    path = api.post("/v1/customers", private_customer(custom_fields={"boiler": "Combi"})).headers["Location"]
    api.delete("/v1/custom-fields/boiler")
    _define(api, "boiler", "number")  # the same key, now a number: "Combi" no longer fits
    assert _patch(api, path, {"phone": "0113 000 0000"}).status_code == 200
    assert _patch(api, path, {"custom_fields": {"boiler": "Combi"}}).status_code == 422


def test_an_import_updates_customers_that_hold_a_removed_field(api, settings, sessions):
    _define(api, "boiler")
    first = run_import(api, settings, sessions, csv_bytes([person(1)]), match_key="email")
    assert first["counts"]["created"] == 1
    [row] = api.get("/v1/customers").get_json()
    path = f"/v1/customers/{row['id']}"
    assert _patch(api, path, {"custom_fields": {"boiler": "Combi"}}).status_code == 200
    api.delete("/v1/custom-fields/boiler")
    changed = run_import(api, settings, sessions, csv_bytes([person(1, Town="Bradford")]), match_key="email")
    assert changed["counts"]["updated"] == 1 and changed["counts"]["refused"] == 0
    assert api.get(path).get_json()["address"]["town"] == "Bradford"


def test_a_number_field_takes_only_finite_json_numbers(api):
    _define(api, "boiler_age", "number")
    for value in ("12", "NaN", "Infinity", "1e3", True, 1e16, [1]):
        resp = api.post("/v1/customers", private_customer(custom_fields={"boiler_age": value}))
        assert resp.status_code == 422, value
        assert list(resp.get_json()["errors"]) == ["custom_fields.boiler_age"]
    # a bare NaN / Infinity in the JSON body is no number either
    for literal in ("NaN", "Infinity", "-Infinity"):
        body = json.dumps(private_customer(custom_fields={"boiler_age": 0})).replace(
            '"boiler_age": 0', f'"boiler_age": {literal}'
        )
        resp = api.post("/v1/customers", data=body, content_type="application/json")
        assert resp.status_code == 422, literal
        assert list(resp.get_json()["errors"]) == ["custom_fields.boiler_age"]
    for value in (12, 12.5, -3, 0):
        created = api.post("/v1/customers", private_customer(custom_fields={"boiler_age": value}))
        assert created.status_code == 201, value
        assert created.get_json()["custom_fields"] == {"boiler_age": value}
