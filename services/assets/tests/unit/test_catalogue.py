"""The tenant's asset catalogue: groups, fuel types, makes, models, locations."""

from __future__ import annotations

import pytest

from assets.store.models import AssetGroup, AssetModel

from ..conftest import count

SIMPLE = ["groups", "fuel-types", "makes", "locations"]


@pytest.mark.parametrize("kind", SIMPLE)
def test_entries_are_added_listed_by_name_read_edited_and_deleted(api, kind):
    base = f"/v1/asset-catalogue/{kind}"
    resp = api.post(base, {"name": "Zeta", "description": "last"})
    assert resp.status_code == 201, resp.get_json()
    zeta = resp.get_json()
    assert resp.headers["Location"] == f"{base}/{zeta['id']}"
    assert resp.headers["ETag"] == '"1"'
    api.post(base, {"name": "Alpha"})
    assert [e["name"] for e in api.get(base).get_json()] == ["Alpha", "Zeta"]

    edited = api.patch(f"{base}/{zeta['id']}", {"name": "Omega"}, headers={"If-Match": '"1"'})
    assert edited.status_code == 200 and edited.get_json()["name"] == "Omega"
    stale = api.patch(f"{base}/{zeta['id']}", {"name": "Psi"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert api.delete(f"{base}/{zeta['id']}").status_code == 204
    assert api.get(f"{base}/{zeta['id']}").status_code == 404


@pytest.mark.parametrize("kind", SIMPLE)
def test_names_are_unique_per_tenant_ignoring_case_and_spaces(api, kind):
    base = f"/v1/asset-catalogue/{kind}"
    first = api.post(base, {"name": "Combi  Boiler"}).get_json()
    clash = api.post(base, {"name": " combi boiler "})
    assert clash.status_code == 409
    assert clash.mimetype == "application/problem+json"
    assert "Combi  Boiler" in clash.get_json()["detail"]
    assert clash.get_json()["existing_id"] == first["id"]
    # renaming another entry onto the name clashes too
    other = api.post(base, {"name": "Other"}).get_json()
    assert api.patch(f"{base}/{other['id']}", {"name": "COMBI BOILER"}).status_code == 409
    # another tenant may use the same name
    assert api.as_(tenant="tenant-b").post(base, {"name": "Combi Boiler"}).status_code == 201


def test_bad_entries_are_refused_with_field_errors_and_nothing_written(api, sessions):
    for body, field in [({}, "name"), ({"name": "   "}, "name"), ({"name": "x", "colour": "red"}, "colour")]:
        resp = api.post("/v1/asset-catalogue/groups", body)
        assert resp.status_code == 422, resp.get_json()
        assert field in resp.get_json()["errors"]
    assert count(sessions, AssetGroup) == 0


def test_a_model_needs_an_existing_make_and_a_product_code_new_to_the_tenant(api, sessions):
    make = api.post("/v1/asset-catalogue/makes", {"name": "Worcester"}).get_json()
    body = {"name": "Greenstar 30i", "make_id": make["id"], "product_code": "GS30I", "product_class": "Combi"}
    resp = api.post("/v1/asset-catalogue/models", body)
    assert resp.status_code == 201, resp.get_json()
    model = resp.get_json()
    assert model["brand"] == "Worcester" and model["product_code"] == "GS30I"

    unknown_make = api.post(
        "/v1/asset-catalogue/models",
        {**body, "make_id": "00000000-0000-0000-0000-000000000000", "product_code": "X"},
    )
    assert unknown_make.status_code == 422 and "make_id" in unknown_make.get_json()["errors"]
    dup_code = api.post("/v1/asset-catalogue/models", {**body, "name": "Other", "product_code": " gs30i"})
    assert dup_code.status_code == 409 and "GS30I" in dup_code.get_json()["detail"]
    dup_name = api.post("/v1/asset-catalogue/models", {**body, "product_code": "OTHER"})
    assert dup_name.status_code == 409
    # the same model name under another make is another model
    vaillant = api.post("/v1/asset-catalogue/makes", {"name": "Vaillant"}).get_json()
    other = api.post("/v1/asset-catalogue/models", {**body, "make_id": vaillant["id"], "product_code": "V30"})
    assert other.status_code == 201
    assert count(sessions, AssetModel) == 2
    listed = api.get("/v1/asset-catalogue/models", query_string={"make_id": vaillant["id"]}).get_json()
    assert [m["product_code"] for m in listed] == ["V30"]


def test_a_make_with_models_or_an_entry_in_use_cannot_be_deleted(api, customers):
    make = api.post("/v1/asset-catalogue/makes", {"name": "Ideal"}).get_json()
    api.post("/v1/asset-catalogue/models", {"name": "Logic", "make_id": make["id"], "product_code": "L1"})
    refused = api.delete(f"/v1/asset-catalogue/makes/{make['id']}")
    assert refused.status_code == 409 and "model" in refused.get_json()["detail"]

    group = api.post("/v1/asset-catalogue/groups", {"name": "Boilers"}).get_json()
    cid = customers.add_customer()
    api.post(f"/v1/customers/{cid}/assets", {"serial_number": "S1", "asset_group_id": group["id"]})
    in_use = api.delete(f"/v1/asset-catalogue/groups/{group['id']}")
    assert in_use.status_code == 409 and "1 asset" in in_use.get_json()["detail"]


def test_another_tenants_catalogue_is_not_found(api):
    group = api.post("/v1/asset-catalogue/groups", {"name": "Fires"}).get_json()
    other = api.as_(tenant="tenant-b")
    assert other.get(f"/v1/asset-catalogue/groups/{group['id']}").status_code == 404
    assert other.get("/v1/asset-catalogue/groups").get_json() == []
    assert other.delete(f"/v1/asset-catalogue/groups/{group['id']}").status_code == 404


@pytest.mark.parametrize("kind", [*SIMPLE, "models"])
def test_every_catalogue_list_is_paged_like_every_list(api, kind):
    import json

    base = f"/v1/asset-catalogue/{kind}"
    make = api.post("/v1/asset-catalogue/makes", {"name": "Paged make"}).get_json()
    names = ["Alpha", "Bravo", "Charlie"] if kind != "makes" else ["Alpha", "Bravo", "Paged make"]
    for n, name in enumerate(names):
        body = {"name": name}
        if kind == "models":
            body |= {"make_id": make["id"], "product_code": f"P{n}"}
        if not (kind == "makes" and name == "Paged make"):
            assert api.post(base, body).status_code == 201
    r = api.get(base, query_string={"page": 2, "page_size": 2})
    assert r.status_code == 200, r.get_json()
    assert [e["name"] for e in r.get_json()] == names[2:]
    assert json.loads(r.headers["X-Pagination"])["total"] == 3 and 'rel="prev"' in r.headers["Link"]
    typo = api.get(base, query_string={"pagesize": 2})
    assert typo.status_code == 422 and "pagesize" in typo.get_json()["errors"]
    if kind == "models":
        other = api.post("/v1/asset-catalogue/makes", {"name": "Other make"}).get_json()
        narrowed = api.get(base, query_string={"make_id": other["id"]})
        assert narrowed.get_json() == [] and json.loads(narrowed.headers["X-Pagination"])["total"] == 0
