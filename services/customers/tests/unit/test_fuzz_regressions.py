"""What schemathesis found through the gateway (issue 7), kept as regressions.

Responses said `null` where the document promised a string; a NUL character in a search reached
PostgreSQL (500). Each null a response carries must be documented as nullable.
"""

from __future__ import annotations

import pytest

from fieldbook_shared.apidoc import undocumented_nulls


@pytest.fixture
def spec(api):
    return api.client.get("/openapi.json").get_json()


def test_a_minimal_customer_and_its_records_answer_only_documented_nulls(api, spec):
    body = {
        "type": "company",
        "company_name": "Acme",
        "address": {"line_1": "1 Mill Ln", "postcode": "BD1 1AA"},
    }
    customer = api.post("/v1/customers", body).get_json()
    cid = customer["id"]
    assert undocumented_nulls(spec, "Customer", customer) == []
    assert undocumented_nulls(spec, "CustomerListItem", api.get("/v1/customers").get_json()[0]) == []
    contact = api.post(f"/v1/customers/{cid}/contacts", {"surname": "Jones"}).get_json()
    assert undocumented_nulls(spec, "Contact", contact) == []
    branch = api.post(
        f"/v1/customers/{cid}/branches",
        {"name": "North", "address": {"line_1": "2 Rd", "postcode": "LS2 2AA"}},
    ).get_json()
    assert undocumented_nulls(spec, "Branch", branch) == []
    site = api.post(
        f"/v1/customers/{cid}/work-addresses", {"address": {"line_1": "3 Way", "postcode": "LS3 3AA"}}
    ).get_json()
    assert undocumented_nulls(spec, "WorkAddress", site) == []


def test_import_fields_that_start_empty_are_documented_nullable(spec):
    props = spec["components"]["schemas"]["Import"]["properties"]
    for name in ("mapping", "match_key", "error", "queued_at", "started_at", "finished_at", "filename"):
        assert props[name].get("nullable") or "anyOf" in props[name], name


def test_amounts_are_documented_as_strings_with_valid_bounds(spec):
    credit_limit = spec["components"]["schemas"]["CustomerIn"]["properties"]["credit_limit"]
    assert credit_limit["type"] == "string" and "minimum" not in credit_limit
    assert spec["components"]["schemas"]["Customer"]["properties"]["accounts_balance"]["type"] == "string"


def test_a_nul_character_in_a_search_is_422_not_a_database_error(api):
    r = api.get("/v1/customers?q=Smi%00th")
    assert r.status_code == 422, r.get_json()
    assert "q" in r.get_json()["errors"]
