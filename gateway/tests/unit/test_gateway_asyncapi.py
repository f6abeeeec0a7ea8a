"""`/asyncapi.json`: the public events as an AsyncAPI 3.0 document, valid against the official
AsyncAPI JSON schema (asyncapi/asyncapi-3.0.0.schema.json, vendored from asyncapi/spec-json-schemas
`schemas/3.0.0-without-$id.json`, Apache-2.0) and naming every public event of the catalogue with
its data schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from fieldbook_shared.events import EVENT_SCHEMAS, PUBLIC_EVENTS

SCHEMA = Path(__file__).parent / "asyncapi" / "asyncapi-3.0.0.schema.json"


def test_asyncapi_json_is_valid_asyncapi_3(gw):
    r = gw.client.get("/asyncapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    doc = r.get_json()
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(doc, schema)
    assert doc["asyncapi"] == "3.0.0"
    operation = next(iter(doc["operations"].values()))
    operation["action"] = "publish"  # AsyncAPI 2's word: the schema must catch it
    try:
        jsonschema.validate(doc, schema)
    except jsonschema.ValidationError as exc:
        assert "publish" in exc.message
    else:
        raise AssertionError("the AsyncAPI schema accepted an operation action it does not know")


def test_every_public_event_is_listed_with_its_data_schema(gw):
    doc = gw.client.get("/asyncapi.json").get_json()
    addresses = {channel["address"] for channel in doc["channels"].values()}
    assert addresses == set(PUBLIC_EVENTS) and PUBLIC_EVENTS <= EVENT_SCHEMAS.keys()
    schemas = doc["components"]["schemas"]
    for message in doc["components"]["messages"].values():
        data_ref = message["payload"]["properties"]["data"]["$ref"]
        data = schemas[data_ref.rsplit("/", 1)[1]]
        declared = set(EVENT_SCHEMAS[message["name"]]().fields)
        assert set(data["properties"]) == declared, message["name"]
    created = schemas["CustomerData"]["properties"]
    assert created["address"]["$ref"].startswith("#/components/schemas/")
    assert "null" in created["email"]["type"]


def test_internal_events_are_not_published(gw):
    doc = gw.client.get("/asyncapi.json").get_json()
    addresses = {channel["address"] for channel in doc["channels"].values()}
    assert not addresses & {"ledger.balance_changed", "card.stored", "document.send_requested"}
