"""The customer overview at the gateway (issue 6): every section right with every service up; with
billing's web process stopped it still answers 200 within the deadline, billing's sections marked
unavailable and the rest right; when billing is back, so are its sections."""

from __future__ import annotations

import time

from harness.api import expect
from harness.customer_record import build_record
from harness.polling import eventually

DEADLINE = 3.0  # the gateway's OVERVIEW_DEADLINE_SECONDS default


def overview(client) -> tuple[dict, float]:
    started = time.monotonic()
    r = expect(client.get(f"/v1/customers/{client._customer_id}/overview"), 200)
    return r.json(), time.monotonic() - started


def check_non_billing_sections(body: dict, record, ref: str) -> None:
    details = body["details"]
    assert details["status"] == "ok"
    assert details["customer"]["id"] == record.id
    assert details["customer"]["surname"] == "Overview"
    assert details["primary_contact"]["id"] == record.contact["id"]
    assert body["accounting"]["status"] == "ok"
    assert body["accounting"]["accounts_ref"] == ref
    assert body["accounting"]["sync_status"] == "synced"
    assert body["assets"] == {"service": "assets", "status": "ok", "count": 1}
    notes = body["notes"]
    assert notes["status"] == "ok"
    assert [n["id"] for n in notes["pinned"]] == [record.note["id"]]
    assert notes["do_not_work_with_again"] is True


def test_overview_has_every_section_and_degrades_to_billing_unavailable_when_billing_is_down(tenant, system):
    client = tenant.admin
    record = build_record(client, "Overview", invoice=True, quote=True, asset=True, note=True)
    cid = record.id
    expect(
        client.post(
            f"/v1/customers/{cid}/notes", json={"text": "Abusive on site", "do_not_work_with_again": True}
        ),
        201,
    )
    assert record.invoice["status"] == "issued"  # a standalone invoice is issued when made
    client._customer_id = cid

    def synced():
        ref = expect(client.get(f"/v1/customers/{cid}"), 200).json()["accounts_ref"]
        assert ref, "no accounts ref yet"
        status = expect(client.get(f"/v1/customers/{cid}/accounting"), 200).json()
        assert status["status"] == "synced", status
        return ref

    ref = eventually(synced, timeout=60, message="customer synced to Sage")

    body, _ = overview(client)
    assert body["complete"] is True and body["unavailable"] == []
    check_non_billing_sections(body, record, ref)
    figures = body["ledger"]["figures"]
    assert body["ledger"]["status"] == "ok"
    assert (figures["balance"], figures["total_due"], figures["open_jobs"]) == ("120.00", "120.00", 0)
    recent = body["recent"]
    assert recent["status"] == "ok"
    assert [i["id"] for i in recent["invoices"]] == [record.invoice["id"]]
    assert [q["id"] for q in recent["quotes"]] == [record.quote["id"]]
    assert recent["jobs"] == []

    system.kill("billing-web")
    try:
        for _ in range(2):  # the first call times out or is refused; the next meets the open breaker
            body, seconds = overview(client)
            assert seconds < DEADLINE + 2.0, f"the overview took {seconds:.1f}s with billing down"
            assert body["complete"] is False and body["unavailable"] == ["billing"], body
            assert body["ledger"]["status"] == "unavailable" and body["recent"]["status"] == "unavailable"
            assert "figures" not in body["ledger"]
            check_non_billing_sections(body, record, ref)
    finally:
        system.start("billing-web")

    def back():
        body, _ = overview(client)
        assert body["complete"] is True, body["unavailable"]
        assert body["ledger"]["figures"]["balance"] == "120.00"
        return body

    body = eventually(back, timeout=45, interval=1.0, message="billing's sections are back")
    assert [i["id"] for i in body["recent"]["invoices"]] == [record.invoice["id"]]
    check_non_billing_sections(body, record, ref)
