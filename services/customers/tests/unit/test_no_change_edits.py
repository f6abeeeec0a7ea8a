"""A PATCH that changes nothing answers 200 with the same version and ETag and publishes nothing;
every PATCH (and a type change) needs If-Match: 428 without, 412 when stale."""

from __future__ import annotations

import pytest

from ..conftest import private_customer

ADDRESS = {"line_1": "Unit 4", "postcode": "LS10 1AB"}


def _patch(api, path: str, body: dict):
    return api.patch(path, body, headers={"If-Match": api.get(path).headers["ETag"]})


@pytest.fixture
def records(api):
    customer = api.post(
        "/v1/customers",
        private_customer(
            primary_contact={"surname": "Baxendale", "phones": [{"type": "mobile", "number": "07700 900123"}]}
        ),
    )
    path = customer.headers["Location"]
    contact = api.get(f"{path}/contacts").get_json()[0]
    branch = api.post(f"{path}/branches", {"name": "Depot", "code": "D1", "address": ADDRESS})
    site = api.post(f"{path}/work-addresses", {"address": ADDRESS, "landlord": {"surname": "Khan"}})
    return {
        "customer": (path, {"surname": "Smith", "address": {"postcode": "ls1 4ab"}, "status": "active"}),
        "contact": (
            f"{path}/contacts/{contact['id']}",
            {"surname": "Baxendale", "primary": True, "archived": False},
        ),
        "branch": (branch.headers["Location"], {"name": "Depot", "code": "D1", "address": ADDRESS}),
        "work address": (
            site.headers["Location"],
            {"address": ADDRESS, "status": "active", "occupier": None, "landlord": {"surname": "Khan"}},
        ),
    }


@pytest.mark.parametrize("kind", ["customer", "contact", "branch", "work address"])
def test_an_empty_or_same_value_patch_keeps_the_version_and_publishes_nothing(api, outbox, records, kind):
    path, same_values = records[kind]
    before = api.get(path)
    events_before = outbox.count()
    for body in ({}, same_values):
        resp = _patch(api, path, body)
        assert resp.status_code == 200, (body, resp.get_json())
        assert resp.headers["ETag"] == before.headers["ETag"], body
        assert resp.get_json() == before.get_json(), body
    assert outbox.count() == events_before


def test_a_real_change_still_moves_the_version_once_and_publishes(api, outbox, records):
    path, _ = records["customer"]
    resp = _patch(api, path, {"surname": "Smyth", "phone": "0113 496 0000"})
    assert resp.headers["ETag"] == '"2"'
    assert [e["data"]["version"] for e in outbox("customer.updated")] == [2]
    contact_path, _ = records["contact"]
    edited = _patch(api, contact_path, {"position": "Owner", "surname": "Baxendale"})
    assert edited.headers["ETag"] == '"2"'
    assert [e["data"]["position"] for e in outbox("contact.updated")] == ["Owner"]


def test_a_stale_if_match_is_refused_even_when_nothing_would_change(api, records):
    path, _ = records["customer"]
    _patch(api, path, {"surname": "Smyth"})
    assert api.patch(path, {}, headers={"If-Match": '"1"'}).status_code == 412


@pytest.mark.parametrize("kind", ["customer", "contact", "branch", "work address"])
def test_every_patch_needs_if_match_and_refuses_a_stale_one(api, outbox, records, kind):
    path, _ = records[kind]
    before = api.get(path)
    events_before = outbox.count()
    body = {"work address": {"name": "Flat 2"}, "branch": {"name": "Yard"}}.get(kind, {"surname": "Smyth"})
    assert api.patch(path, body).status_code == 428
    assert api.patch(path, body, headers={"If-Match": '"9"'}).status_code == 412
    assert api.get(path).get_json() == before.get_json() and outbox.count() == events_before
    assert api.patch(path, body, headers={"If-Match": before.headers["ETag"]}).status_code == 200


def test_a_type_change_needs_if_match_and_refuses_a_stale_one(api, records):
    path, _ = records["customer"]
    change = {"type": "company", "company_name": "Smith Plumbing Ltd"}
    assert api.post(f"{path}/type", change).status_code == 428
    assert api.post(f"{path}/type", change, headers={"If-Match": '"9"'}).status_code == 412
    assert api.get(path).get_json()["type"] == "private"
    changed = api.post(f"{path}/type", change, headers={"If-Match": api.get(path).headers["ETag"]})
    assert changed.status_code == 200 and changed.get_json()["type"] == "company"
