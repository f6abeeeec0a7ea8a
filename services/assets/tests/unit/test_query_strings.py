"""A misspelt or unknown query parameter is a 422 naming it, never silently ignored."""

from __future__ import annotations


def test_an_unknown_query_parameter_on_the_assets_list_is_422_naming_it(api, customers):
    cid = customers.add_customer()
    r = api.get(f"/v1/customers/{cid}/assets", query_string={"serial_numbr": "X1"})
    assert r.status_code == 422
    assert "serial_numbr" in r.get_json()["errors"]


def test_page_and_page_size_are_still_known(api, customers):
    cid = customers.add_customer()
    r = api.get(f"/v1/customers/{cid}/assets", query_string={"page": 1, "page_size": 2, "serial_number": "X"})
    assert r.status_code == 200, r.get_json()


def test_an_unknown_query_parameter_on_the_models_list_is_422_naming_it(api):
    r = api.get("/v1/asset-catalogue/models", query_string={"make": "x"})
    assert r.status_code == 422
    assert "make" in r.get_json()["errors"]
    assert api.get("/v1/asset-catalogue/models").status_code == 200
