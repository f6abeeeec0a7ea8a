"""Work addresses carry communication preferences, like customers and contacts (seed 001: "Set
Communication Preferences" when adding a work address)."""

from __future__ import annotations

from tests.conftest import private_customer

ADDRESS = {"line_1": "2 Low Road", "postcode": "LS2 1AA"}


def test_preferences_are_stored_returned_and_published_on_create(api, outbox):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    resp = api.post(
        f"{path}/work-addresses", {"address": ADDRESS, "communication_preferences": {"email": False}}
    )
    assert resp.status_code == 201
    expected = {"email": False, "sms": True, "letter": True, "phone": True}
    assert resp.get_json()["communication_preferences"] == expected
    assert api.get(resp.headers["Location"]).get_json()["communication_preferences"] == expected
    assert outbox("work_address.created")[0]["data"]["communication_preferences"] == expected


def test_a_work_address_without_preferences_gets_the_defaults(api):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    resp = api.post(f"{path}/work-addresses", {"address": ADDRESS})
    assert resp.get_json()["communication_preferences"] == {
        "email": True,
        "sms": True,
        "letter": True,
        "phone": True,
    }


def test_patch_changes_only_the_preferences_named_and_publishes_them(api, outbox):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    site = api.post(f"{path}/work-addresses", {"address": ADDRESS}).headers["Location"]
    resp = api.patch(
        site, {"communication_preferences": {"email": False, "sms": False}}, headers={"If-Match": '"1"'}
    )
    assert resp.status_code == 200 and resp.get_json()["version"] == 2
    expected = {"email": False, "sms": False, "letter": True, "phone": True}
    assert resp.get_json()["communication_preferences"] == expected
    assert outbox("work_address.updated")[-1]["data"]["communication_preferences"] == expected
    # the same again changes nothing: same version, no event
    before = outbox.count()
    again = api.patch(site, {"communication_preferences": {"email": False}}, headers={"If-Match": '"2"'})
    assert again.status_code == 200 and again.get_json()["version"] == 2
    assert outbox.count() == before


def test_status_changed_carries_the_preferences(api, outbox):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    site = api.post(
        f"{path}/work-addresses", {"address": ADDRESS, "communication_preferences": {"letter": False}}
    ).headers["Location"]
    api.patch(site, {"status": "dormant"}, headers={"If-Match": '"1"'})
    assert outbox("work_address.status_changed")[0]["data"]["communication_preferences"]["letter"] is False


def test_unknown_or_non_boolean_preferences_are_refused(api):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    unknown = api.post(
        f"{path}/work-addresses", {"address": ADDRESS, "communication_preferences": {"fax": True}}
    )
    assert unknown.status_code == 422
    not_boolean = api.post(
        f"{path}/work-addresses", {"address": ADDRESS, "communication_preferences": {"email": "maybe"}}
    )
    assert not_boolean.status_code == 422
