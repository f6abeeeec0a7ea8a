"""What schemathesis found through the gateway (issue 7), kept as regressions: responses said
`null` where the document promised a string. Every null a response carries must be documented."""

from __future__ import annotations

import pytest

from fieldbook_shared.apidoc import undocumented_nulls


@pytest.fixture
def spec(api):
    return api.client.get("/openapi.json").get_json()


def test_minimal_catalogue_entries_and_assets_answer_only_documented_nulls(api, customers, spec):
    make = api.post("/v1/asset-catalogue/makes", {"name": "Worcester"}).get_json()
    assert undocumented_nulls(spec, "CatalogueEntry", make) == []
    model = api.post(
        "/v1/asset-catalogue/models", {"name": "Greenstar", "make_id": make["id"], "product_code": "GS-1"}
    ).get_json()
    assert undocumented_nulls(spec, "Model", model) == []
    cid = customers.add_customer()
    asset = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "SN-1"}).get_json()
    assert "id" in asset, asset
    assert undocumented_nulls(spec, "Asset", asset) == []
