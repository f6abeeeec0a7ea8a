"""An asset filled from a product code keeps the code's make: a PATCH of make_id alone is checked too."""

from __future__ import annotations

from .test_assets import catalogue  # noqa: F401 - the fixture


def test_patching_make_id_away_from_the_product_codes_make_is_422(api, customers, catalogue):  # noqa: F811
    cid = customers.add_customer()
    asset = api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S1", "product_code": "GS30I"})
    assert asset.status_code == 201 and asset.get_json()["make_id"] == catalogue["worcester"]
    path = f"/v1/assets/{asset.get_json()['id']}"
    r = api.patch(path, {"make_id": catalogue["vaillant"]}, headers={"If-Match": '"1"'})
    assert r.status_code == 422
    assert r.get_json()["errors"]["make_id"] == ["The product code belongs to a model of another make."]
    r = api.patch(path, {"make_id": catalogue["worcester"]}, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.get_json()
    # without a product code, any make goes; with the code cleared in the same PATCH too
    r = api.patch(path, {"make_id": catalogue["vaillant"], "product_code": None}, headers={"If-Match": '"2"'})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["make_id"] == catalogue["vaillant"]
