"""Deleting a branch (seed 001: "To delete a Branch"): If-Match, 404s, the row and `branch.deleted`."""

from __future__ import annotations

from ..conftest import private_customer

ADDRESS = {"line_1": "Unit 4", "postcode": "LS10 1AB"}


def _customer(api) -> str:
    return api.post("/v1/customers", private_customer()).headers["Location"]


def _branch(api, customer_path: str, name: str = "Depot", **extra):
    created = api.post(f"{customer_path}/branches", {"name": name, "address": ADDRESS, **extra})
    assert created.status_code == 201
    return created


def test_deleting_a_branch_removes_it_and_publishes_branch_deleted(api, outbox):
    path = _customer(api)
    customer_id = api.get(path).get_json()["id"]
    depot = _branch(api, path, "Depot")
    yard = _branch(api, path, "Yard")
    before = outbox.count()

    deleted = api.delete(depot.headers["Location"], headers={"If-Match": depot.headers["ETag"]})

    assert deleted.status_code == 204 and deleted.data == b""
    assert api.get(depot.headers["Location"]).status_code == 404
    assert [b["name"] for b in api.get(f"{path}/branches").get_json()] == ["Yard"]
    assert api.get(yard.headers["Location"]).headers["ETag"] == '"1"'
    events = outbox()[before:]
    assert [e["type"] for e in events] == ["branch.deleted"]
    assert events[0]["data"] == {"id": depot.get_json()["id"], "customer_id": customer_id}
    assert events[0]["subject"] == depot.get_json()["id"]


def test_deleting_a_branch_needs_a_current_if_match(api, outbox):
    path = _customer(api)
    depot = _branch(api, path)
    branch_path = depot.headers["Location"]
    edited = api.patch(branch_path, {"name": "Main depot"}, headers={"If-Match": depot.headers["ETag"]})
    assert edited.status_code == 200

    assert api.delete(branch_path).status_code == 428
    assert api.delete(branch_path, headers={"If-Match": depot.headers["ETag"]}).status_code == 412
    assert api.get(branch_path).status_code == 200
    assert outbox("branch.deleted") == []

    assert api.delete(branch_path, headers={"If-Match": edited.headers["ETag"]}).status_code == 204
    assert len(outbox("branch.deleted")) == 1


def test_a_branch_of_another_customer_or_tenant_or_unknown_is_not_found(api, outbox):
    path_a = _customer(api)
    path_b = _customer(api)
    depot = _branch(api, path_a)
    branch_id = depot.get_json()["id"]
    if_match = {"If-Match": depot.headers["ETag"]}

    assert api.delete(f"{path_b}/branches/{branch_id}", headers=if_match).status_code == 404
    assert api.as_(tenant="tenant-b").delete(depot.headers["Location"], headers=if_match).status_code == 404
    unknown = f"{path_a}/branches/00000000-0000-4000-8000-000000000000"
    assert api.delete(unknown, headers=if_match).status_code == 404
    assert api.get(depot.headers["Location"]).status_code == 200
    assert outbox("branch.deleted") == []


def test_a_deleted_branchs_code_is_free_and_its_default_contact_stays(api, outbox):
    """Nothing else in the service names a branch: its default contact is untouched (no
    `contact.*` event) and its code can be given to another branch."""
    path = _customer(api)
    contact = api.post(f"{path}/contacts", {"surname": "Smith"})
    depot = _branch(api, path, code="D1", default_contact_id=contact.get_json()["id"])
    before = outbox.count()

    assert (
        api.delete(depot.headers["Location"], headers={"If-Match": depot.headers["ETag"]}).status_code == 204
    )

    assert [e["type"] for e in outbox()[before:]] == ["branch.deleted"]
    assert api.get(contact.headers["Location"]).headers["ETag"] == contact.headers["ETag"]
    assert _branch(api, path, "New depot", code="D1").get_json()["code"] == "D1"
