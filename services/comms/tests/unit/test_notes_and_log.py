"""Notes (pinned first, do-not-work-with-again) and the communications log per customer / work address."""

from __future__ import annotations

import json
import uuid

from ..conftest import TENANT, known_customer, known_work_address, publish


def test_pinned_note_lists_first_then_latest_first(api, bus, outbox):
    c = known_customer(bus)
    first = api.post(f"/v1/customers/{c['id']}/notes", {"text": "Called about boiler"}).get_json()
    pinned = api.post(
        f"/v1/customers/{c['id']}/notes",
        {"text": "Dog in garden — ring first", "important": True},
    ).get_json()
    latest = api.post(f"/v1/customers/{c['id']}/notes", {"text": "Left voicemail"}).get_json()

    r = api.get(f"/v1/customers/{c['id']}/notes")
    assert r.status_code == 200
    assert [n["id"] for n in r.get_json()] == [pinned["id"], latest["id"], first["id"]]
    log = api.get(f"/v1/customers/{c['id']}/communications").get_json()
    assert log[0]["note_id"] == pinned["id"] and log[0]["pinned"] is True
    assert [e["data"]["id"] for e in outbox("note.created")] == [first["id"], pinned["id"], latest["id"]]


def test_do_not_work_with_again_filter_finds_the_flag_beyond_the_first_page(api, bus):
    c = known_customer(bus)
    flagged = api.post(
        f"/v1/customers/{c['id']}/notes", {"text": "Abusive on site", "do_not_work_with_again": True}
    ).get_json()
    for i in range(120):  # the flag is on the oldest note, far past a page of 100
        api.post(f"/v1/customers/{c['id']}/notes", {"text": f"Note {i}"})

    r = api.get(
        f"/v1/customers/{c['id']}/notes", query_string={"do_not_work_with_again": "true", "page_size": 1}
    )
    assert r.status_code == 200
    assert [n["id"] for n in r.get_json()] == [flagged["id"]]
    assert json.loads(r.headers["X-Pagination"])["total"] == 1
    r = api.get(f"/v1/customers/{c['id']}/notes", query_string={"do_not_work_with_again": "false"})
    assert json.loads(r.headers["X-Pagination"])["total"] == 120
    other = known_customer(bus)
    r = api.get(f"/v1/customers/{other['id']}/notes", query_string={"do_not_work_with_again": "true"})
    assert r.get_json() == [] and json.loads(r.headers["X-Pagination"])["total"] == 0


def test_do_not_work_with_again_and_unpinning_through_patch(api, bus, outbox):
    c = known_customer(bus)
    r = api.post(
        f"/v1/customers/{c['id']}/notes",
        {"text": "Refused to pay", "important": True, "do_not_work_with_again": True},
    )
    assert r.status_code == 201 and r.headers["Location"] == f"/v1/notes/{r.get_json()['id']}"
    note = r.get_json()
    assert note["author"] == "test:admin" and note["do_not_work_with_again"] is True
    r = api.patch(
        f"/v1/notes/{note['id']}",
        {"important": False, "do_not_work_with_again": False},
        headers={"If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["important"] is False
    assert api.get(f"/v1/customers/{c['id']}/communications").get_json()[0]["pinned"] is False
    assert outbox("note.updated")[-1]["data"]["do_not_work_with_again"] is False
    stale = api.patch(f"/v1/notes/{note['id']}", {"text": "x"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412


def test_bad_note_is_422_and_writes_nothing(api, bus, outbox):
    c = known_customer(bus)
    r = api.post(f"/v1/customers/{c['id']}/notes", {"text": "", "colour": "red"})
    assert r.status_code == 422
    assert set(r.get_json()["errors"]) == {"text", "colour"}
    assert api.get(f"/v1/customers/{c['id']}/notes").get_json() == []
    assert outbox() == []


def test_work_address_log_holds_only_its_own_records(api, bus):
    c = known_customer(bus)
    wa = known_work_address(bus, c["id"])
    api.post(f"/v1/customers/{c['id']}/notes", {"text": "Owner: invoice query"})
    api.post(
        f"/v1/customers/{c['id']}/communications",
        {"kind": "call", "direction": "in", "summary": "Owner rang about payment"},
    )
    on_site = api.post(
        f"/v1/customers/{c['id']}/notes", {"text": "Tenant says key under mat", "work_address_id": wa["id"]}
    ).get_json()
    call = api.post(
        f"/v1/customers/{c['id']}/communications",
        {"kind": "sms", "direction": "out", "summary": "Engineer on the way", "work_address_id": wa["id"]},
    ).get_json()

    site_log = api.get(f"/v1/work-addresses/{wa['id']}/communications").get_json()
    assert {e["id"] for e in site_log} == {
        call["id"],
        next(e["id"] for e in site_log if e["note_id"] == on_site["id"]),
    }
    assert len(api.get(f"/v1/customers/{c['id']}/communications").get_json()) == 4


def test_work_address_of_another_customer_is_refused(api, bus):
    c, other = known_customer(bus), known_customer(bus)
    wa = known_work_address(bus, other["id"])
    r = api.post(f"/v1/customers/{c['id']}/notes", {"text": "x", "work_address_id": wa["id"]})
    assert r.status_code == 422 and "work_address_id" in r.get_json()["errors"]


def test_unknown_customer_is_fetched_once_then_known(api, customers):
    cid = str(uuid.uuid4())
    customers.records[(TENANT, cid)] = {
        "id": cid,
        "version": 3,
        "type": "private",
        "first_name": "Amy",
        "surname": "Pond",
        "display_name": "Amy Pond",
        "address": {"line_1": "1 Leadworth"},
        "status": "active",
        "communication_preferences": {"email": True},
        "primary_contact": {
            "id": str(uuid.uuid4()),
            "version": 1,
            "surname": "Pond",
            "primary": True,
            "archived": False,
            "email": "amy@example.com",
            "first_name": "Amy",
        },
    }
    assert api.post(f"/v1/customers/{cid}/notes", {"text": "hello"}).status_code == 201
    assert api.get(f"/v1/customers/{cid}/notes").status_code == 200
    assert customers.calls == [cid]


def test_another_tenants_customer_is_404(api, bus):
    c = known_customer(bus, tenant="tenant-b")
    assert api.get(f"/v1/customers/{c['id']}/notes").status_code == 404
    assert api.post(f"/v1/customers/{c['id']}/notes", {"text": "x"}).status_code == 404


def test_customer_merged_moves_notes_and_log_to_the_survivor(api, bus):
    survivor, merged = known_customer(bus), known_customer(bus)
    note = api.post(f"/v1/customers/{merged['id']}/notes", {"text": "from the duplicate"}).get_json()
    publish(bus, "customer.merged", {"survivor_id": survivor["id"], "merged_id": merged["id"]})
    bus.drain()
    notes = api.get(f"/v1/customers/{survivor['id']}/notes").get_json()
    assert [n["id"] for n in notes] == [note["id"]]
    assert notes[0]["customer_id"] == survivor["id"]
    assert api.get(f"/v1/customers/{survivor['id']}/communications").get_json()[0]["note_id"] == note["id"]
    gone = api.get(f"/v1/customers/{merged['id']}/notes")
    assert gone.status_code == 410 and gone.get_json()["merged_into"] == survivor["id"]


def test_customer_deleted_removes_its_notes(api, bus, sessions):
    c = known_customer(bus)
    api.post(f"/v1/customers/{c['id']}/notes", {"text": "bye"})
    publish(bus, "customer.deleted", {"customer_id": c["id"]})
    bus.drain()
    assert api.get(f"/v1/customers/{c['id']}/notes").status_code == 404
    from sqlalchemy import func, select

    from comms.store.models import Note

    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Note)) == 0


def test_customer_erased_removes_notes_and_reports_what_went(api, bus, outbox, sessions):
    from sqlalchemy import select

    from comms.store.models import WorkAddressCopy

    c = known_customer(bus)
    wa = known_work_address(bus, c["id"])
    api.post(f"/v1/customers/{c['id']}/notes", {"text": "gate code 1234"})
    publish(bus, "customer.erased", {"customer_id": c["id"]})
    bus.drain()
    (report,) = outbox("customer.erasure_reported")
    assert report["data"]["service"] == "comms"
    assert report["data"]["actions"]["notes_deleted"] == 1
    assert report["data"]["actions"]["work_address_copies_anonymised"] == 1
    with sessions() as s:
        copy = s.scalar(select(WorkAddressCopy).where(WorkAddressCopy.id == wa["id"]))
    assert (copy.name, copy.address_line_1, copy.postcode) == (None, None, None)
    assert report["data"]["actions"]["communications_deleted"] == 1
