"""comms' part of a customer's timeline: the communications log (notes, emails, calls, SMS) newest
first, page by page after a cursor without gap or repeat; filtered by kind and work address."""

from __future__ import annotations

from fieldbook_shared.timeline import encode_cursor, entry_key

from ..conftest import known_customer, known_work_address


def _entries(api, customer_id, **query) -> list[dict]:
    r = api.get(f"/internal/customers/{customer_id}/timeline-entries", query_string=query)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["entries"]


def _log(api, bus):
    c = known_customer(bus)
    wa = known_work_address(bus, c["id"])
    note = api.post(f"/v1/customers/{c['id']}/notes", {"text": "Dog in garden", "work_address_id": wa["id"]})
    call = api.post(
        f"/v1/customers/{c['id']}/communications",
        {"kind": "call", "direction": "in", "summary": "Rang about the invoice"},
    )
    email = api.post(
        f"/v1/customers/{c['id']}/communications",
        {"kind": "email", "direction": "out", "subject": "Your visit", "summary": "Tuesday at 9"},
    )
    sms = api.post(
        f"/v1/customers/{c['id']}/communications",
        {"kind": "sms", "direction": "out", "summary": "On the way", "work_address_id": wa["id"]},
    )
    for r in (note, call, email, sms):
        assert r.status_code == 201, r.get_json()
    return c["id"], wa["id"], note.get_json()["id"]


def test_the_log_newest_first_with_titles_and_links(api, bus):
    customer, _wa, note_id = _log(api, bus)
    entries = _entries(api, customer)
    assert [e["kind"] for e in entries] == ["sms", "email", "call", "note"]
    assert [e["title"] for e in entries] == [
        "SMS to the customer",
        "Email sent: Your visit",
        "Call from the customer",
        "Note",
    ]
    assert (
        entries[3]["links"] == {"self": f"/v1/notes/{note_id}"} and entries[3]["summary"] == "Dog in garden"
    )
    assert entries[2]["links"] == {"self": f"/v1/customers/{customer}/communications"}
    keys = [entry_key(e) for e in entries]
    assert keys == sorted(keys, reverse=True)


def test_pages_after_a_cursor_and_filters(api, bus):
    customer, wa, _note = _log(api, bus)
    everything = _entries(api, customer)
    seen, before = [], None
    while True:
        page = _entries(api, customer, limit=1, **({"before": before} if before else {}))
        seen.extend(page)
        if not page:
            break
        before = encode_cursor(entry_key(page[-1]))
    assert [e["id"] for e in seen] == [e["id"] for e in everything]
    assert [e["kind"] for e in _entries(api, customer, kind=["note", "email"])] == ["email", "note"]
    assert [e["kind"] for e in _entries(api, customer, work_address_id=wa)] == ["sms", "note"]
    r = api.get(f"/internal/customers/{customer}/timeline-entries", query_string={"kind": "invoice"})
    assert r.status_code == 422 and any(k.startswith("kind") for k in r.get_json()["errors"])
