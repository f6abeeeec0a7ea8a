"""Erasure leaves no personal data behind: not on the customers merged into the erased one (kept as
pointers to it), not on its branches; a merged record's own id erases it in place; deleting a
customer takes the customers merged into it along."""

from __future__ import annotations

import json

from sqlalchemy import select

from customers.store.models import Branch, Contact, Customer, CustomerMerge

from ..conftest import count, private_customer, system_uow

JANE = {
    "title": "Ms",
    "first_name": "Jane",
    "surname": "Doe",
    "email": "jane.doe@example.com",
    "phone": "07700 900123",
    "address": {"line_1": "7 Elm Road", "town": "York", "postcode": "YO1 7HH"},
    "primary_contact": {"surname": "Doe", "first_name": "Jane", "email": "jane.contact@example.com"},
}
JANE_TRACES = ("Jane", "Doe", "jane.doe@example.com", "jane.contact@example.com", "Elm Road", "YO1 7HH")
BRANCH_TRACES = ("Jane's flat", "9 Oak Lane", "LS6 2AB", "0113 496 0999", "flat@example.com")


def _new(api, **overrides) -> dict:
    resp = api.post("/v1/customers", private_customer(**overrides))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _jane_with_a_branch(api) -> dict:
    jane = _new(api, **JANE)
    branch = api.post(
        f"/v1/customers/{jane['id']}/branches",
        {
            "name": "Jane's flat",
            "code": "F1",
            "address": {"line_1": "9 Oak Lane", "postcode": "LS6 2AB"},
            "phones": [{"type": "home", "number": "0113 496 0999"}],
            "emails": ["flat@example.com"],
            "default_contact_id": jane["primary_contact"]["id"],
        },
    )
    assert branch.status_code == 201, branch.get_json()
    return {**jane, "branch_id": branch.get_json()["id"]}


def _merge(api, merged_id: str, survivor_id: str) -> None:
    resp = api.post(f"/v1/customers/{merged_id}/merge", {"survivor_id": survivor_id})
    assert resp.status_code == 200, resp.get_json()


def _stored(sessions, model, row_id: str) -> str:
    """Every column of one stored row, as text (what a database dump would show)."""
    with sessions() as s:
        row = s.get(model, row_id)
        return json.dumps({c.name: getattr(row, c.key) for c in model.__table__.columns}, default=str)


def _merge_audit(sessions, merged_id: str) -> str:
    with sessions() as s:
        return json.dumps(s.scalar(select(CustomerMerge).where(CustomerMerge.merged_id == merged_id)).summary)


def test_erasing_a_survivor_erases_the_customers_merged_into_it_and_its_branches(api, sessions, outbox):
    jane = _jane_with_a_branch(api)
    survivor = _new(api, surname="Survivor", primary_contact={"surname": "Survivor"})
    older = _new(api, surname="Older", email="older@example.com")
    _merge(api, older["id"], jane["id"])  # merged into Jane, who is then merged: a chain
    _merge(api, jane["id"], survivor["id"])

    report = api.post(f"/v1/customers/{survivor['id']}/erase")

    assert report.status_code == 200
    part = report.get_json()["services"]["customers"]
    assert part["merged_customers_anonymised"] == 2 and part["branches_anonymised"] == 1
    for trace in JANE_TRACES:
        assert trace not in _stored(sessions, Customer, jane["id"]), trace
        assert trace not in _merge_audit(sessions, jane["id"]), trace
    assert "older@example.com" not in _stored(sessions, Customer, older["id"])
    stored_branch = _stored(sessions, Branch, jane["branch_id"])
    for trace in BRANCH_TRACES:
        assert trace not in stored_branch, trace
    branch = api.get(f"/v1/customers/{survivor['id']}/branches/{jane['branch_id']}").get_json()
    assert branch["name"] == "Erased branch" and branch["code"] == "F1"
    assert branch["address"]["line_1"] is None and branch["phones"] == [] and branch["emails"] == []
    assert branch["default_contact_id"] is None
    [branch_event] = [e for e in outbox("branch.updated") if e["data"]["name"] == "Erased branch"]
    assert branch_event["data"]["emails"] == [] and branch_event["data"]["address"]["postcode"] is None
    erased = sorted(e["data"]["customer_id"] for e in outbox("customer.erased"))
    assert erased == sorted([survivor["id"], jane["id"], older["id"]])
    # the old ids still point at the survivor
    assert api.get(f"/v1/customers/{jane['id']}").get_json()["merged_into"] == survivor["id"]


def test_a_merged_customers_own_id_erases_it_in_place(api, sessions, outbox):
    jane = _new(api, **JANE)
    survivor = _new(api, surname="Survivor", email="survivor@example.com")
    _merge(api, jane["id"], survivor["id"])

    resp = api.post(f"/v1/customers/{jane['id']}/erase")

    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["customer_id"] == jane["id"] and resp.get_json()["already_erased"] is False
    for trace in JANE_TRACES:
        assert trace not in _stored(sessions, Customer, jane["id"]), trace
    assert [e["data"]["customer_id"] for e in outbox("customer.erased")] == [jane["id"]]
    # the survivor is someone else's record: untouched, and still reached through the old id
    assert api.get(f"/v1/customers/{survivor['id']}").get_json()["email"] == "survivor@example.com"
    assert api.get(f"/v1/customers/{jane['id']}").get_json()["merged_into"] == survivor["id"]
    report = api.get(f"/v1/customers/{jane['id']}/erasure-report")
    assert report.status_code == 200 and report.get_json()["services"]["customers"]["status"] == "reported"
    assert api.post(f"/v1/customers/{jane['id']}/erase").get_json()["already_erased"] is True
    assert len(outbox("customer.erased")) == 1


def test_an_erased_customer_cannot_take_in_another_customer(api, sessions):
    """What moved onto it (contacts, branches, work addresses) would escape the erasure done."""
    survivor = _new(api, surname="Survivor")
    assert api.post(f"/v1/customers/{survivor['id']}/erase").status_code == 200
    jane = _new(api, **JANE)

    resp = api.post(f"/v1/customers/{jane['id']}/merge", {"survivor_id": survivor["id"]})

    assert resp.status_code == 422
    assert resp.get_json()["errors"] == {
        "survivor_id": ["An erased customer cannot take in another customer."]
    }
    assert "jane.doe@example.com" in _stored(sessions, Customer, jane["id"])  # nothing moved
    assert api.get(f"/v1/customers/{jane['id']}").status_code == 200


def test_deleting_a_survivor_deletes_the_customers_merged_into_it(api, sessions, outbox):
    survivor = _new(api, surname="Survivor")
    jane = _new(api, **JANE)
    older = _new(api, surname="Older")
    _merge(api, older["id"], jane["id"])
    _merge(api, jane["id"], survivor["id"])
    path = f"/v1/customers/{survivor['id']}"

    resp = api.delete(path, headers={"If-Match": api.get(path).headers["ETag"]})

    assert resp.status_code == 204
    assert count(sessions, Customer) == count(sessions, Contact) == count(sessions, CustomerMerge) == 0
    assert api.get(f"/v1/customers/{jane['id']}").status_code == 404
    # each merged id too: other services hold copies under them that no later erase could reach
    deleted = [e["data"]["customer_id"] for e in outbox("customer.deleted")]
    assert (
        sorted(deleted) == sorted([survivor["id"], jane["id"], older["id"]]) and deleted[-1] == survivor["id"]
    )


def test_deleting_a_survivor_is_refused_while_a_customer_merged_into_it_has_transactions(api, sessions):
    survivor = _new(api, surname="Survivor")
    jane = _new(api, **JANE)
    _merge(api, jane["id"], survivor["id"])
    with system_uow(sessions) as uow:  # billing reported an invoice on the old id after the merge
        uow.customers.record_facts(jane["id"], has_transactions=True)
        uow.commit()
    path = f"/v1/customers/{survivor['id']}"

    resp = api.delete(path, headers={"If-Match": api.get(path).headers["ETag"]})

    assert resp.status_code == 409
    assert count(sessions, Customer) == 2
