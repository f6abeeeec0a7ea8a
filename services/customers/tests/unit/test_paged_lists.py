"""A customer's contacts, branches and work addresses are paged like every other list."""

from __future__ import annotations

import json

from ..conftest import private_customer


def _pages(api, path, **query):
    r = api.get(path, query_string=query)
    assert r.status_code == 200, r.get_json()
    return r.get_json(), json.loads(r.headers["X-Pagination"]), r.headers.get("Link", "")


def test_contacts_branches_and_work_addresses_come_page_by_page(api):
    cid = api.post("/v1/customers", private_customer(surname="Paged")).get_json()["id"]
    for n in range(3):
        assert api.post(f"/v1/customers/{cid}/contacts", {"surname": f"Contact {n}"}).status_code == 201
        branch = {"name": f"Branch {n}", "address": {"line_1": f"{n} Mill St", "postcode": "LS2 1AA"}}
        assert api.post(f"/v1/customers/{cid}/branches", branch).status_code == 201
        site = {"address": {"line_1": f"{n} Dock St", "postcode": "LS10 1AA"}}
        assert api.post(f"/v1/customers/{cid}/work-addresses", site).status_code == 201

    rows, meta, link = _pages(api, f"/v1/customers/{cid}/contacts", page_size=2)
    assert meta["total"] == 3 and meta["total_pages"] == 2 and 'rel="next"' in link
    assert rows[0]["primary"] is True  # the primary contact first, on the first page
    rows, _, _ = _pages(api, f"/v1/customers/{cid}/contacts", page=2, page_size=2)
    assert [c["surname"] for c in rows] == ["Contact 2"]
    # the filter still applies, before paging
    _, meta, _ = _pages(api, f"/v1/customers/{cid}/contacts", include_archived="false", page_size=1)
    assert meta["total"] == 3

    rows, meta, _ = _pages(api, f"/v1/customers/{cid}/branches", page=2, page_size=2)
    assert [b["name"] for b in rows] == ["Branch 2"] and meta["total"] == 3
    rows, meta, _ = _pages(api, f"/v1/customers/{cid}/work-addresses", page_size=2)
    assert [w["address"]["line_1"] for w in rows] == ["2 Dock St", "1 Dock St"] and meta["total"] == 3

    for path in ("contacts", "branches", "work-addresses"):
        assert api.get(f"/v1/customers/{cid}/{path}", query_string={"page_size": 101}).status_code == 422
    for path in ("branches", "work-addresses"):
        typo = api.get(f"/v1/customers/{cid}/{path}", query_string={"pagesize": 2})
        assert typo.status_code == 422 and "pagesize" in typo.get_json()["errors"]
