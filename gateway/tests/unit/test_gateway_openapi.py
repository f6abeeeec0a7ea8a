"""The merged OpenAPI document and the docs page."""

from __future__ import annotations

import re

from gateway import people_openapi
from gateway.openapi import OVERVIEW_PATH, TIMELINE_PATH, SpecAggregator, merge_specs


def _spec(schemas: dict, paths: dict) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "x", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _op(ref: str) -> dict:
    return {
        "get": {
            "summary": "read",
            "parameters": [{"name": "X-Tenant-Id", "in": "header"}, {"name": "page", "in": "query"}],
            "responses": {"200": {"content": {"application/json": {"schema": {"$ref": ref}}}}},
        }
    }


CUSTOMERS = _spec(
    {
        "Customer": {"type": "object", "properties": {"surname": {"type": "string"}}},
        "Error": {"type": "object", "properties": {"title": {"type": "string"}}},
    },
    {
        "/v1/customers/{customer_id}": _op("#/components/schemas/Customer"),
        "/internal/rebuild": _op("#/components/schemas/Customer"),
    },
)
BILLING = _spec(
    {
        "Customer": {"type": "object", "properties": {"balance": {"type": "string"}}},
        "Error": {"type": "object", "properties": {"title": {"type": "string"}}},
        "Invoice": {"type": "object", "properties": {"customer": {"$ref": "#/components/schemas/Customer"}}},
    },
    {"/v1/customers/{customer_id}/invoices": _op("#/components/schemas/Invoice")},
)


def test_a_colliding_schema_is_prefixed_and_its_refs_follow():
    doc = merge_specs({"customers": CUSTOMERS, "billing": BILLING})
    schemas = doc["components"]["schemas"]
    assert doc["info"]["title"] == "Fieldbook API"
    assert schemas["Customer"] == CUSTOMERS["components"]["schemas"]["Customer"]
    assert schemas["BillingCustomer"] == BILLING["components"]["schemas"]["Customer"]
    assert "BillingError" not in schemas  # identical definitions are shared, not renamed
    # Invoice points at billing's Customer, so it differs from nothing but must follow the rename
    assert schemas["Invoice"]["properties"]["customer"]["$ref"] == "#/components/schemas/BillingCustomer"
    customer_get = doc["paths"]["/v1/customers/{customer_id}"]["get"]
    assert customer_get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/Customer"
    )
    assert [p["name"] for p in customer_get["parameters"]] == ["page"]  # identity headers are the gateway's
    assert "/internal/rebuild" not in doc["paths"]  # only what the routing table exposes
    assert "bearer" in doc["components"]["securitySchemes"]
    assert "x-fieldbook-unavailable" not in doc


def test_a_rename_cascades_to_schemas_that_refer_to_it():
    first = _spec({"A": {"$ref": "#/components/schemas/B"}, "B": {"type": "string"}}, {})
    second = _spec({"A": {"$ref": "#/components/schemas/B"}, "B": {"type": "integer"}}, {})
    schemas = merge_specs({"customers": first, "billing": second})["components"]["schemas"]
    assert schemas["BillingA"] == {"$ref": "#/components/schemas/BillingB"}
    assert schemas["A"] == {"$ref": "#/components/schemas/B"}


def test_an_unavailable_service_is_left_out_and_named():
    def fetch(url, timeout):
        if "billing" in url:
            raise ConnectionError("refused")
        return CUSTOMERS

    specs = SpecAggregator({"customers": "http://customers", "billing": "http://billing"}, fetch=fetch)
    doc = specs.document()
    assert doc["x-fieldbook-unavailable"] == ["billing"]
    assert "/v1/customers/{customer_id}" in doc["paths"]


def test_the_document_is_cached(gw, fake_services):
    calls = []

    def fetch(url, timeout):
        calls.append(url)
        return CUSTOMERS

    specs = SpecAggregator({"customers": "http://customers"}, ttl=60, fetch=fetch)
    specs.document()
    specs.document()
    assert len(calls) == 1


def test_openapi_json_merges_the_running_services(make_gateway, fake_services):
    fake_services["customers"].spec = CUSTOMERS
    fake_services["billing"].spec = BILLING
    gw = make_gateway(enabled_upstreams=("customers", "billing", "assets"))
    resp = gw.client.get("/openapi.json")  # no key needed to read the docs
    assert resp.status_code == 200
    doc = resp.json
    assert set(doc["paths"]) == {
        "/v1/customers/{customer_id}",
        "/v1/customers/{customer_id}/invoices",
        OVERVIEW_PATH,  # the gateway's own routes
        TIMELINE_PATH,
        "/v1/api-keys",
        "/v1/api-keys/{key_id}",
        "/v1/oauth-clients",
        "/v1/oauth-clients/{client_id}",
        "/oauth/token",  # outside /v1, no key: the token endpoint, its key, the events
        "/.well-known/jwks.json",
        "/asyncapi.json",
        *people_openapi.paths(),  # users, sessions, second factor, invitations
    }
    assert "BillingCustomer" in doc["components"]["schemas"]
    assert doc["x-fieldbook-unavailable"] == ["assets"]


def test_docs_page_uses_only_local_assets(gw):
    page = gw.client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "swagger-ui" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    for asset in re.findall(r"(?:src|href)=\"(/docs/[^\"]+)\"", html):
        assert gw.client.get(asset).status_code == 200, asset
    assert gw.client.get("/docs/assets/../../settings.py").status_code == 404


def test_the_gateway_adds_what_it_answers_itself_to_every_operation():
    post = {
        "post": {
            "summary": "add",
            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {
                "201": {"description": "Created"},
                "503": {"$ref": "#/components/responses/SERVICE_UNAVAILABLE"},
            },
        }
    }
    doc = merge_specs({"customers": _spec({}, {"/v1/customers": post})})
    responses = doc["paths"]["/v1/customers"]["post"]["responses"]
    for status in ("401", "403", "413", "414", "429", "502", "503", "504"):
        ref = responses[status]["$ref"]
        answer = doc["components"]["responses"][ref.rsplit("/", 1)[-1]]
        assert answer["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    assert responses["503"]["$ref"] == "#/components/responses/ServiceUnavailable"  # the gateway's words
    assert "Retry-After" in doc["components"]["responses"]["TooManyRequests"]["headers"]
    assert "X-RateLimit-Remaining" in responses["201"]["headers"]
    assert doc["components"]["schemas"]["Problem"]["properties"]["status"]["type"] == "integer"
    # a GET without a body has no 413
    assert "413" not in doc["paths"][OVERVIEW_PATH]["get"]["responses"]


def test_the_overview_is_documented_with_the_services_schemas():
    doc = merge_specs({"customers": CUSTOMERS, "billing": BILLING})
    overview = doc["paths"][OVERVIEW_PATH]["get"]
    assert overview["summary"]
    details = overview["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["details"]
    assert details["properties"]["customer"] == {"$ref": "#/components/schemas/Customer"}
    invoices = overview["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["recent"]
    assert invoices["properties"]["invoices"]["type"] == "array"


def test_the_timeline_is_documented_with_its_parameters_entries_and_refusals():
    doc = merge_specs({"customers": CUSTOMERS, "billing": BILLING})
    timeline = doc["paths"][TIMELINE_PATH]["get"]
    assert timeline["summary"]
    params = {p["name"]: p for p in timeline["parameters"]}
    assert set(params) == {"customer_id", "cursor", "limit", "kind", "work_address_id"}
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}
    assert "asset_change" in params["kind"]["schema"]["items"]["enum"]
    body = timeline["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["properties"]["entries"]["items"] == {"$ref": "#/components/schemas/TimelineEntry"}
    entry = doc["components"]["schemas"]["TimelineEntry"]
    assert entry["properties"]["amount"]["nullable"] is True
    assert set(entry["required"]) >= {"kind", "id", "occurred_at", "title", "links"}
    for status in ("404", "410", "422"):
        problem = timeline["responses"][status]["content"]["application/problem+json"]["schema"]
        assert problem == {"$ref": "#/components/schemas/Problem"}
    assert "X-RateLimit-Remaining" in timeline["responses"]["200"]["headers"]
    assert "413" not in timeline["responses"]
