"""comms: notes (pinned first), the communications log per work address, and customer.merged."""

from __future__ import annotations

from harness.amqp import cloud_event
from harness.api import assert_problem, create_customer, expect, private_customer
from harness.polling import eventually


def _customer(client, **overrides) -> dict:
    return create_customer(
        client,
        private_customer(
            primary_contact={"first_name": "Jane", "surname": "Doe", "email": "jane@example.com"}, **overrides
        ),
    )


def _note(client, customer_id, **body) -> dict:
    r = expect(client.post(f"/v1/customers/{customer_id}/notes", json=body), 201)
    assert r.headers["Location"] == f"/v1/notes/{r.json()['id']}"
    return r.json()


def test_a_pinned_note_lists_first(tenant):
    client = tenant.admin
    customer = _customer(client)
    older = _note(client, customer["id"], text="Called about the boiler service")
    pinned = _note(
        client,
        customer["id"],
        text="Do not work with again: refused to pay twice",
        important=True,
        do_not_work_with_again=True,
    )
    newest = _note(client, customer["id"], text="Left a voicemail")

    notes = expect(client.get(f"/v1/customers/{customer['id']}/notes"), 200).json()
    assert [n["id"] for n in notes] == [pinned["id"], newest["id"], older["id"]]
    assert notes[0]["do_not_work_with_again"] is True and notes[0]["author"]
    log = expect(client.get(f"/v1/customers/{customer['id']}/communications"), 200).json()
    assert log[0]["note_id"] == pinned["id"] and log[0]["pinned"] is True

    # unpinning through /v1/notes/{id} (routed to comms by the gateway) moves it back in time order
    r = expect(client.patch(f"/v1/notes/{pinned['id']}", json={"important": False}), 200)
    assert r.json()["important"] is False
    notes = expect(client.get(f"/v1/customers/{customer['id']}/notes"), 200).json()
    assert [n["id"] for n in notes] == [newest["id"], pinned["id"], older["id"]]


def test_a_work_addresss_communications_exclude_the_owners_unrelated_ones(tenant):
    client = tenant.admin
    owner = _customer(client)
    wa = expect(
        client.post(
            f"/v1/customers/{owner['id']}/work-addresses",
            json={"address": {"line_1": "9 Rental Row", "postcode": "LS2 2BB"}},
        ),
        201,
    ).json()
    _note(client, owner["id"], text="Owner: query about last invoice")
    expect(
        client.post(
            f"/v1/customers/{owner['id']}/communications",
            json={"kind": "call", "direction": "in", "summary": "Owner rang about payment"},
        ),
        201,
    )
    site_note = _note(client, owner["id"], text="Occupier: key under the mat", work_address_id=wa["id"])
    site_sms = expect(
        client.post(
            f"/v1/customers/{owner['id']}/communications",
            json={
                "kind": "sms",
                "direction": "out",
                "summary": "Engineer on the way",
                "work_address_id": wa["id"],
            },
        ),
        201,
    ).json()

    site_log = expect(client.get(f"/v1/work-addresses/{wa['id']}/communications"), 200).json()
    assert len(site_log) == 2, site_log  # the note and the SMS made on it, each once
    assert {e["work_address_id"] for e in site_log} == {wa["id"]}
    assert sorted(e.get("note_id") or e["id"] for e in site_log) == sorted([site_note["id"], site_sms["id"]])
    owner_log = expect(client.get(f"/v1/customers/{owner['id']}/communications"), 200).json()
    assert len(owner_log) == 4  # the owner sees everything, the work address only its own


def test_publishing_customer_merged_moves_notes_to_the_survivor(tenant, amqp):
    client = tenant.admin
    survivor, duplicate = _customer(client, surname="Kept"), _customer(client, surname="Duplicate")
    note = _note(client, duplicate["id"], text="Written on the duplicate record", important=True)
    assert expect(client.get(f"/v1/customers/{survivor['id']}/notes"), 200).json() == []

    amqp.publish(
        cloud_event(
            "customer.merged",
            {"survivor_id": survivor["id"], "merged_id": duplicate["id"]},
            tenant_id=tenant.id,
            subject=survivor["id"],
            source="customers",
        )
    )

    def moved():
        notes = expect(client.get(f"/v1/customers/{survivor['id']}/notes"), 200).json()
        assert [n["id"] for n in notes] == [note["id"]], notes
        return notes

    [moved_note] = eventually(moved, timeout=30, message="the note moves to the survivor")
    assert moved_note["customer_id"] == survivor["id"]
    log = expect(client.get(f"/v1/customers/{survivor['id']}/communications"), 200).json()
    assert [e["note_id"] for e in log] == [note["id"]]
    gone = assert_problem(client.get(f"/v1/customers/{duplicate['id']}/notes"), 410)
    assert gone["merged_into"] == survivor["id"], gone
