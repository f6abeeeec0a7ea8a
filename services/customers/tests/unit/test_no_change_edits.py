"""A PATCH that changes nothing answers 200 with the same version and ETag and publishes nothing."""

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
