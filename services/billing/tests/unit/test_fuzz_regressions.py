"""What schemathesis found through the gateway (issue 7), kept as regressions.

Responses said `null` where the document promised a string, and amounts were documented as
numbers with string bounds (`"minimum": "0.00"`, an invalid schema). Every null a response carries
must be documented as nullable; amounts are strings.
"""

from __future__ import annotations

import pytest

from fieldbook_shared.apidoc import undocumented_nulls
from fieldbook_shared.testing import card_details

from ..conftest import line


@pytest.fixture
def spec(api):
    return api.client.get("/openapi.json").get_json()


def test_minimal_money_records_answer_only_documented_nulls(api, spec, customer):
    quote = api.post(f"/v1/customers/{customer}/quotes", {"lines": [line()]}).get_json()
    assert undocumented_nulls(spec, "Quote", quote) == []
    job = api.post(f"/v1/customers/{customer}/jobs", {}).get_json()
    assert undocumented_nulls(spec, "Job", job) == []
    invoice = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]}).get_json()
    assert undocumented_nulls(spec, "Invoice", invoice) == []
    payment = api.post(
        "/v1/payments", {"customer_id": customer, "method": "cash", "amount": "5.00"}
    ).get_json()
    assert undocumented_nulls(spec, "Payment", payment) == []
    note = api.post(
        "/v1/credit-notes", {"customer_id": customer, "lines": [line(unit_price="1.00")]}
    ).get_json()
    assert undocumented_nulls(spec, "CreditNote", note) == []
    card = card_details()
    assert (
        undocumented_nulls(spec, "Card", api.post(f"/v1/customers/{customer}/cards", card).get_json()) == []
    )
    account = api.get(f"/v1/customers/{customer}/account").get_json()
    assert undocumented_nulls(spec, "Account", account) == []


def test_amounts_and_rates_are_documented_as_decimal_strings(spec):
    line_in = spec["components"]["schemas"]["LineIn"]["properties"]
    for name in ("quantity", "unit_price", "vat_rate"):
        assert line_in[name]["type"] == "string", name
        assert "minimum" not in line_in[name] and "maximum" not in line_in[name], name
        assert line_in[name]["pattern"], name
    assert spec["components"]["schemas"]["Invoice"]["properties"]["total"]["type"] == "string"


def test_a_nul_character_in_a_body_is_422_naming_the_field(api, customer):
    r = api.post(f"/v1/customers/{customer}/quotes", {"lines": [line(description="Boiler\x00")]})
    assert r.status_code == 422, r.get_json()
    assert "lines.0.description" in r.get_json()["errors"]
