"""The customer's timeline at the gateway (issue 15 part 5): a customer with every kind of record
— quote, job, invoice, credit note, payment (billing), note, email (comms), asset changes (assets)
— lists them newest first across pages of 2 and 3 with no gap or repeat; filtered by kind and by
work address; with billing's web process stopped it still answers 200, billing's kinds marked
unavailable and the rest listed; when billing is back, so are its entries."""

from __future__ import annotations

from datetime import datetime

from harness.api import assert_problem, expect
from harness.customer_record import build_record, line
from harness.polling import eventually

BILLING_KINDS = ["quote", "job", "invoice", "credit_note", "payment", "account_credit", "refund"]


def _key(entry: dict) -> tuple:
    return datetime.fromisoformat(entry["occurred_at"].replace("Z", "+00:00")), entry["kind"], entry["id"]


def _timeline(client, cid: str, **params) -> dict:
    return expect(client.get(f"/v1/customers/{cid}/timeline", params=params), 200).json()


def _page_through(client, cid: str, limit: int, **params) -> list[dict]:
    seen, cursor = [], None
    for _ in range(50):
        body = _timeline(client, cid, limit=limit, **params, **({"cursor": cursor} if cursor else {}))
        assert body["complete"] is True, body["unavailable"]
        assert len(body["entries"]) <= limit
        seen.extend(body["entries"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the timeline did not end")


def _at_site(client, path: str, body: dict) -> dict:
    """A POST naming the work address, once the service has heard of it (work_address.created)."""

    def made():
        r = client.post(path, json=body)
        assert r.status_code == 201, f"{path}: {r.status_code} {r.text[:300]}"
        return r.json()

    return eventually(made, timeout=40, interval=0.5, message=f"{path} takes the work address")


def _every_kind(client):
    record = build_record(client, "Timeline", invoice=True)
    cid, site = record.id, record.work_address["id"]
    made = {"invoice": record.invoice}
    made["quote"] = _at_site(
        client, f"/v1/customers/{cid}/quotes", {"lines": [line("250.00")], "work_address_id": site}
    )
    made["job"] = _at_site(
        client, f"/v1/customers/{cid}/jobs", {"description": "Annual service", "work_address_id": site}
    )
    made["credit_note"] = expect(
        client.post(
            "/v1/credit-notes", json={"customer_id": cid, "lines": [line("10.00")], "description": "Goodwill"}
        ),
        201,
    ).json()
    made["payment"] = expect(
        client.post(
            "/v1/payments",
            json={"customer_id": cid, "method": "cheque", "amount": "50.00", "reference": "CHQ 1"},
        ),
        201,
    ).json()
    made["note"] = _at_site(
        client, f"/v1/customers/{cid}/notes", {"text": "Dog in garden", "work_address_id": site}
    )
    made["email"] = expect(
        client.post(
            f"/v1/customers/{cid}/communications",
            json={"kind": "email", "direction": "out", "subject": "Your visit", "summary": "Tuesday at 9"},
        ),
        201,
    ).json()
    asset = _at_site(
        client, f"/v1/customers/{cid}/assets", {"serial_number": "TL-1", "work_address_id": site}
    )
    etag = expect(client.get(f"/v1/assets/{asset['id']}"), 200).headers["ETag"]
    expect(
        client.patch(f"/v1/assets/{asset['id']}", json={"cost_centre": "CC-7"}, headers={"If-Match": etag}),
        200,
    )
    made["asset"] = asset

    def reminder():  # servicing makes the asset's service reminder when it hears of the asset
        found = expect(client.get("/v1/service-reminders", params={"asset_id": asset["id"]}), 200).json()
        assert found and found[0]["work_address_id"] == site, found
        return found[0]

    made["service_reminder"] = eventually(reminder, timeout=30, message="servicing knows the asset")
    return record, made


def test_the_timeline_lists_every_kind_in_order_across_pages_and_degrades_without_billing(tenant, system):
    client = tenant.admin
    record, made = _every_kind(client)
    cid, site = record.id, record.work_address["id"]

    everything = _timeline(client, cid, limit=100)
    entries = everything["entries"]
    assert everything["complete"] is True and everything["next_cursor"] is None
    kinds = sorted(e["kind"] for e in entries)
    assert kinds == sorted(
        [
            "quote",
            "job",
            "invoice",
            "credit_note",
            "payment",
            "note",
            "email",
            "asset_change",
            "asset_change",
            "service_reminder",
        ]
    ), entries
    assert [_key(e) for e in entries] == sorted((_key(e) for e in entries), reverse=True)
    links = {e["links"]["self"] for e in entries}
    assert (
        f"/v1/invoices/{made['invoice']['id']}" in links and f"/v1/payments/{made['payment']['id']}" in links
    )
    assert f"/v1/notes/{made['note']['id']}" in links and f"/v1/assets/{made['asset']['id']}" in links
    assert f"/v1/service-reminders/{made['service_reminder']['id']}" in links
    invoice = next(e for e in entries if e["kind"] == "invoice")
    assert (invoice["amount"], invoice["status"]) == ("120.00", "issued")
    assert [e["status"] for e in entries if e["kind"] == "asset_change"] == ["updated", "created"]

    for limit in (2, 3):
        paged = _page_through(client, cid, limit)
        assert [e["id"] for e in paged] == [e["id"] for e in entries]  # no gap, no repeat, same order

    only = _page_through(client, cid, 2, kind=["invoice", "note"])
    assert [e["kind"] for e in only] == [e["kind"] for e in entries if e["kind"] in ("invoice", "note")]
    here = _page_through(client, cid, 3, work_address_id=site)
    assert sorted(e["kind"] for e in here) == [
        "asset_change",
        "asset_change",
        "job",
        "note",
        "quote",
        "service_reminder",
    ]
    assert {e["work_address_id"] for e in here} == {site}
    problem = assert_problem(client.get(f"/v1/customers/{cid}/timeline", params={"cursor": "nope"}), 422)
    assert "cursor" in problem["errors"]
    assert (
        "kind"
        in assert_problem(client.get(f"/v1/customers/{cid}/timeline", params={"kind": "boiler"}), 422)[
            "errors"
        ]
    )

    system.kill("billing-web")
    try:
        for _ in range(2):  # the first call is refused or times out; the next meets the open breaker
            body = _timeline(client, cid, limit=100)
            assert body["complete"] is False, body
            assert [(u["service"], u["kinds"]) for u in body["unavailable"]] == [("billing", BILLING_KINDS)]
            assert sorted(e["kind"] for e in body["entries"]) == [
                "asset_change",
                "asset_change",
                "email",
                "note",
                "service_reminder",
            ]
    finally:
        system.start("billing-web")

    def back():
        body = _timeline(client, cid, limit=100)
        assert body["complete"] is True, body["unavailable"]
        return body

    body = eventually(back, timeout=45, interval=1.0, message="billing's entries are back")
    assert [e["id"] for e in body["entries"]] == [e["id"] for e in entries]
