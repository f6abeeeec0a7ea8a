"""Mailing lists carry an ETag; a PATCH needs If-Match like the other records (428 / 412)."""

from __future__ import annotations


def test_mailing_list_patch_needs_a_current_if_match(api):
    r = api.post("/v1/mailing-lists", {"name": "L", "customer_ids": []})
    assert r.status_code == 201 and r.headers["ETag"] == '"1"'
    path = f"/v1/mailing-lists/{r.get_json()['id']}"
    assert api.get(path).headers["ETag"] == '"1"'
    assert api.patch(path, {"name": "M"}).status_code == 428
    r = api.patch(path, {"name": "M"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"' and r.get_json()["name"] == "M"
    r = api.patch(path, {"name": "N"}, headers={"If-Match": '"1"'})
    assert r.status_code == 412
    assert api.get(path).get_json()["name"] == "M"
