"""Contacts: exactly one primary per customer, archive, delete."""

from __future__ import annotations

from ..conftest import private_customer


def _customer(api) -> str:
    return api.post("/v1/customers", private_customer()).headers["Location"]


def test_first_contact_becomes_primary_and_primary_can_move(api, outbox):
    path = _customer(api)
    first = api.post(f"{path}/contacts", {"surname": "Smith", "first_name": "Jane"}).get_json()
    second = api.post(
        f"{path}/contacts", {"surname": "Jones", "phones": [{"type": "work", "number": "0113 000 1111"}]}
    ).get_json()
    assert first["primary"] is True and second["primary"] is False
    resp = api.post(f"{path}/contacts/{second['id']}/primary")
    assert resp.status_code == 200 and resp.get_json()["primary"] is True
    contacts = api.get(f"{path}/contacts").get_json()
    assert [c["primary"] for c in contacts] == [True, False]
    assert contacts[0]["id"] == second["id"]
    assert len(outbox("contact.primary_changed")) == 2


def test_adding_a_primary_contact_demotes_the_old_one(api):
    path = _customer(api)
    api.post(f"{path}/contacts", {"surname": "Smith"})
    new = api.post(f"{path}/contacts", {"surname": "Jones", "primary": True}).get_json()
    primaries = [c["id"] for c in api.get(f"{path}/contacts").get_json() if c["primary"]]
    assert primaries == [new["id"]]
    assert api.get(path).get_json()["primary_contact"]["id"] == new["id"]


def test_deleting_or_archiving_the_primary_promotes_the_next(api):
    path = _customer(api)
    a = api.post(f"{path}/contacts", {"surname": "A"})
    b = api.post(f"{path}/contacts", {"surname": "B"})
    c = api.post(f"{path}/contacts", {"surname": "C"})
    a_path = a.headers["Location"]
    assert api.delete(a_path).status_code == 428
    assert api.delete(a_path, headers={"If-Match": a.headers["ETag"]}).status_code == 204
    assert api.get(b.headers["Location"]).get_json()["primary"] is True
    b_now = api.get(b.headers["Location"])
    archived = api.patch(
        b.headers["Location"], {"archived": True}, headers={"If-Match": b_now.headers["ETag"]}
    )
    assert archived.status_code == 200 and archived.get_json()["primary"] is False
    assert api.get(c.headers["Location"]).get_json()["primary"] is True
    assert api.post(f"{b.headers['Location']}/primary").status_code == 409
    active = api.get(f"{path}/contacts", query_string={"include_archived": "false"}).get_json()
    assert [x["surname"] for x in active] == ["C"]


def test_contact_needs_a_surname_and_valid_phones(api):
    path = _customer(api)
    assert "surname" in api.post(f"{path}/contacts", {"first_name": "Jane"}).get_json()["errors"]
    bad_phone = api.post(f"{path}/contacts", {"surname": "S", "phones": [{"type": "pager", "number": "x"}]})
    assert bad_phone.status_code == 422
    assert set(bad_phone.get_json()["errors"]) == {"phones.0.type", "phones.0.number"}
    office = api.post(
        f"{path}/contacts", {"surname": "S", "phones": [{"type": "office", "number": "0113 496 0000"}]}
    )
    assert (
        office.status_code == 201 and office.get_json()["phones"][0]["type"] == "office"
    )  # seed 001's first type


def test_contact_of_another_customer_is_not_found(api):
    path_a = _customer(api)
    path_b = _customer(api)
    contact = api.post(f"{path_a}/contacts", {"surname": "A"}).get_json()
    assert api.get(f"{path_b}/contacts/{contact['id']}").status_code == 404


def test_branch_default_contact_must_belong_to_the_customer_and_codes_are_unique(api):
    path_a = _customer(api)
    path_b = _customer(api)
    contact_b = api.post(f"{path_b}/contacts", {"surname": "B"}).get_json()
    address = {"line_1": "Unit 4", "postcode": "LS10 1AB"}
    bad = api.post(
        f"{path_a}/branches", {"name": "Depot", "address": address, "default_contact_id": contact_b["id"]}
    )
    assert bad.status_code == 422 and "default_contact_id" in bad.get_json()["errors"]
    assert (
        api.post(f"{path_a}/branches", {"name": "Depot", "code": "D1", "address": address}).status_code == 201
    )
    assert (
        api.post(f"{path_a}/branches", {"name": "Depot 2", "code": "D1", "address": address}).status_code
        == 409
    )


def _patch(api, path: str, body: dict):
    return api.patch(path, body, headers={"If-Match": api.get(path).headers["ETag"]})


def test_patch_primary_true_makes_the_contact_primary_like_the_primary_action(api, outbox):
    path = _customer(api)
    first = api.post(f"{path}/contacts", {"surname": "Smith"}).get_json()
    second = api.post(f"{path}/contacts", {"surname": "Jones"}).headers["Location"]
    resp = _patch(api, second, {"primary": True, "position": "Site manager"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["primary"] is True and resp.get_json()["position"] == "Site manager"
    assert resp.headers["ETag"] == '"2"'  # one edit, one version
    primaries = [c["surname"] for c in api.get(f"{path}/contacts").get_json() if c["primary"]]
    assert primaries == ["Jones"]
    assert api.get(path).get_json()["primary_contact"]["surname"] == "Jones"
    changed = outbox("contact.primary_changed")
    assert [(e["data"]["id"], e["data"]["primary"]) for e in changed] == [
        (first["id"], False),
        (resp.get_json()["id"], True),
    ]
    assert outbox("contact.updated")[-1]["data"]["position"] == "Site manager"


def test_patch_primary_false_on_the_primary_is_refused_with_the_reason(api, outbox):
    path = _customer(api)
    only = api.post(f"{path}/contacts", {"surname": "Smith"}).headers["Location"]
    events_before = outbox.count()
    resp = _patch(api, only, {"primary": False})
    assert resp.status_code == 422
    assert "exactly one primary" in resp.get_json()["errors"]["primary"][0]
    assert api.get(only).get_json()["primary"] is True
    assert outbox.count() == events_before


def test_an_archived_contact_becomes_primary_only_when_restored_in_the_same_edit(api):
    path = _customer(api)
    api.post(f"{path}/contacts", {"surname": "Smith"})
    other = api.post(f"{path}/contacts", {"surname": "Jones"}).headers["Location"]
    assert _patch(api, other, {"archived": True}).status_code == 200
    assert _patch(api, other, {"primary": True}).status_code == 409
    both = _patch(api, other, {"primary": True, "archived": True})
    assert both.status_code == 422 and "primary" in both.get_json()["errors"]
    restored = _patch(api, other, {"primary": True, "archived": False})
    assert restored.status_code == 200
    assert restored.get_json()["primary"] is True and restored.get_json()["archived"] is False
    assert [c["surname"] for c in api.get(f"{path}/contacts").get_json() if c["primary"]] == ["Jones"]


def test_deleting_a_branchs_default_contact_clears_it_as_a_branch_change(api, outbox):
    path = _customer(api)
    contact = api.post(f"{path}/contacts", {"surname": "Smith"})
    address = {"line_1": "Unit 4", "postcode": "LS10 1AB"}
    depot = api.post(
        f"{path}/branches",
        {"name": "Depot", "address": address, "default_contact_id": contact.get_json()["id"]},
    )
    other = api.post(f"{path}/branches", {"name": "Yard", "address": address})
    assert (
        api.delete(contact.headers["Location"], headers={"If-Match": contact.headers["ETag"]}).status_code
        == 204
    )
    after = api.get(depot.headers["Location"])
    assert after.get_json()["default_contact_id"] is None
    assert after.headers["ETag"] == '"2"'
    [updated] = outbox("branch.updated")
    assert updated["data"]["id"] == depot.get_json()["id"]
    assert updated["data"]["default_contact_id"] is None and updated["data"]["version"] == 2
    assert api.get(other.headers["Location"]).headers["ETag"] == '"1"'


def test_restoring_a_contact_that_becomes_primary_publishes_primary_changed(api, outbox):
    path = _customer(api)
    only = api.post(f"{path}/contacts", {"surname": "Smith"}).headers["Location"]
    archived = _patch(api, only, {"archived": True}).get_json()
    assert archived["primary"] is False and api.get(path).get_json()["primary_contact"] is None
    changed_before = len(outbox("contact.primary_changed"))
    restored = _patch(api, only, {"archived": False})
    assert restored.status_code == 200 and restored.get_json()["primary"] is True
    changed = outbox("contact.primary_changed")[changed_before:]
    assert [(e["data"]["id"], e["data"]["primary"]) for e in changed] == [(restored.get_json()["id"], True)]
    assert outbox("contact.updated")[-1]["data"]["archived"] is False


def test_archiving_a_branchs_default_contact_clears_it_and_an_archived_one_cannot_be_named(api, outbox):
    path = _customer(api)
    api.post(f"{path}/contacts", {"surname": "Primary"})
    contact = api.post(f"{path}/contacts", {"surname": "Smith"})
    contact_id = contact.get_json()["id"]
    address = {"line_1": "Unit 4", "postcode": "LS10 1AB"}
    depot = api.post(
        f"{path}/branches", {"name": "Depot", "address": address, "default_contact_id": contact_id}
    )
    assert _patch(api, contact.headers["Location"], {"archived": True}).status_code == 200
    after = api.get(depot.headers["Location"])
    assert after.get_json()["default_contact_id"] is None and after.headers["ETag"] == '"2"'
    [updated] = outbox("branch.updated")
    assert updated["data"]["default_contact_id"] is None and updated["data"]["version"] == 2

    named = {"name": "Yard", "address": address, "default_contact_id": contact_id}
    refused = api.post(f"{path}/branches", named)
    assert refused.status_code == 422 and "default_contact_id" in refused.get_json()["errors"]
    patched = _patch(api, depot.headers["Location"], {"default_contact_id": contact_id})
    assert patched.status_code == 422 and "default_contact_id" in patched.get_json()["errors"]
    assert api.get(depot.headers["Location"]).get_json()["default_contact_id"] is None


def test_a_branch_name_cannot_be_blank_and_a_blank_code_is_no_code(api):
    path = _customer(api)
    address = {"line_1": "Unit 4", "postcode": "LS10 1AB"}
    for name in ("", "   "):
        resp = api.post(f"{path}/branches", {"name": name, "address": address})
        assert resp.status_code == 422 and "name" in resp.get_json()["errors"], name
    first = api.post(f"{path}/branches", {"name": "  Depot ", "code": "", "address": address})
    assert first.status_code == 201
    assert first.get_json()["name"] == "Depot" and first.get_json()["code"] is None
    second = api.post(f"{path}/branches", {"name": "Yard", "code": "  ", "address": address})
    assert second.status_code == 201 and second.get_json()["code"] is None
    blank = _patch(api, first.headers["Location"], {"name": " "})
    assert blank.status_code == 422 and "name" in blank.get_json()["errors"]
    coded = _patch(api, first.headers["Location"], {"code": " D1 "})
    assert coded.status_code == 200 and coded.get_json()["code"] == "D1"
    cleared = _patch(api, first.headers["Location"], {"code": ""})
    assert cleared.status_code == 200 and cleared.get_json()["code"] is None


def test_a_taken_branch_code_is_a_409_naming_code_even_past_the_check(api, monkeypatch):
    from customers.service import sites

    path = _customer(api)
    address = {"line_1": "Unit 4", "postcode": "LS10 1AB"}
    api.post(f"{path}/branches", {"name": "Depot", "code": "D1", "address": address})
    checked = api.post(f"{path}/branches", {"name": "Yard", "code": "D1", "address": address})
    assert checked.status_code == 409 and list(checked.get_json()["errors"]) == ["code"]
    # a concurrent writer that passed the check meets the unique constraint: the same answer
    monkeypatch.setattr(sites, "_unique_branch_code", lambda uow, customer_id, code: None)
    raced = api.post(f"{path}/branches", {"name": "Yard", "code": "D1", "address": address})
    assert raced.status_code == 409 and list(raced.get_json()["errors"]) == ["code"], raced.get_json()
    other = api.post(f"{path}/branches", {"name": "Yard", "code": "Y1", "address": address})
    raced_patch = _patch(api, other.headers["Location"], {"code": "D1"})
    assert raced_patch.status_code == 409 and list(raced_patch.get_json()["errors"]) == ["code"]
