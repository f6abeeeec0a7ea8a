"""The customer overview at the gateway (issue 6): every section right with every service up; with
billing's web process stopped it still answers 200 within the deadline, billing's sections marked
unavailable and the rest right; when billing is back, so are its sections."""

from __future__ import annotations

import time
from datetime import date, timedelta

from harness.api import expect, unique
from harness.customer_record import build_record
from harness.polling import eventually

DEADLINE = 3.0  # the gateway's OVERVIEW_DEADLINE_SECONDS default


def overview(client, **kw) -> tuple[dict, float]:
    started = time.monotonic()
    r = expect(client.get(f"/v1/customers/{client._customer_id}/overview", **kw), 200)
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

    # Each gateway worker process keeps its own breaker, and a half-open one lets one of the
    # overview's four billing calls through: billing is back for this test, and for the next one,
    # when the overview is complete on a new connection (any worker) several times in a row.
    streak = []

    def back():
        body, _ = overview(client, headers={"Connection": "close"})
        streak.append(body["complete"])
        assert body["complete"] is True, body["unavailable"]
        assert body["ledger"]["figures"]["balance"] == "120.00"
        assert streak[-8:] == [True] * 8, streak[-8:]
        return body

    body = eventually(back, timeout=60, interval=0.2, message="billing's sections are back in every worker")
    assert [i["id"] for i in body["recent"]["invoices"]] == [record.invoice["id"]]
    check_non_billing_sections(body, record, ref)


def test_overview_and_timeline_show_the_next_service_due_the_contract_status_and_the_files(tenant):
    """Issue 16, item 5: servicing's next service due and contract status, and the files count, in the
    overview — each read from its service when asked, so a change shows at once — and the contract,
    the service reminder and the file in the timeline."""
    client = tenant.admin
    record = build_record(client, "Servicing")
    cid, site = record.id, record.work_address["id"]
    group = expect(
        client.post("/v1/asset-catalogue/groups", json={"name": unique("Gas boiler ")}), 201
    ).json()
    expect(client.put(f"/v1/service-intervals/asset-groups/{group['id']}", json={"months": 12}), 201)
    installed = date.today() - timedelta(days=300)
    boiler = expect(
        client.post(
            f"/v1/customers/{cid}/assets",
            json={
                "serial_number": unique("OV-"),
                "asset_group_id": group["id"],
                "work_address_id": site,
                "install_date": installed.isoformat(),
            },
        ),
        201,
    ).json()
    pdf = b"%PDF-1.4\n" + b"0" * 2048 + b"\n%%EOF\n"

    def uploaded():  # once files has heard of the work address (work_address.created)
        r = client.post(
            f"/v1/work-addresses/{site}/files", files={"file": ("gas-safety.pdf", pdf, "application/pdf")}
        )
        assert r.status_code == 201, r.text[:300]
        return r.json()["id"]

    file_id = eventually(uploaded, timeout=40, message="files takes the work address")
    plan = expect(
        client.post(
            "/v1/service-plans",
            json={
                "name": unique("Gold "),
                "billing_frequency": "yearly",
                "price": "180.00",
                "visits_per_year": 1,
                "sla_response_hours": 24,
            },
        ),
        201,
    ).json()
    start = date.today()
    contract = expect(
        client.post(
            f"/v1/customers/{cid}/contracts",
            json={
                "plan_id": plan["id"],
                "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=364)).isoformat(),
                "work_address_ids": [site],
            },
        ),
        201,
    ).json()
    client._customer_id = cid
    due = installed.replace(year=installed.year + 1).isoformat()

    def sections():
        body, _ = overview(client)
        servicing = body["servicing"]
        assert servicing["status"] == "ok" and servicing["next_service_due"], servicing
        return body

    body = eventually(sections, timeout=40, message="servicing knows the boiler and its next service")
    servicing = body["servicing"]
    assert (servicing["next_service_due"]["due_date"], servicing["next_service_due"]["asset_id"]) == (
        due,
        boiler["id"],
    )
    assert servicing["next_service_due"]["work_address_id"] == site
    assert servicing["contract_status"] == "active"
    assert [(c["id"], c["status"], c["plan_name"]) for c in servicing["contracts"]] == [
        (contract["id"], "active", plan["name"])
    ]
    assert body["files"] == {"service": "files", "status": "ok", "count": 1}

    # the timeline: the contract, the boiler's service reminder and the file
    timeline = expect(client.get(f"/v1/customers/{cid}/timeline", params={"limit": 100}), 200).json()
    kinds = {(e["kind"], e["id"]) for e in timeline["entries"]}
    assert {("contract", contract["id"]), ("file", file_id)} <= kinds, kinds
    assert any(kind == "service_reminder" for kind, _ in kinds), kinds

    # a cancelled contract and a deleted file show at the next look
    r = client.post(f"/v1/contracts/{contract['id']}/cancel", json={"reason": "Moved house"})
    expect(r, 200)
    expect(client.delete(f"/v1/files/{file_id}"), 204)
    body, _ = overview(client)
    assert body["servicing"]["contract_status"] == "cancelled"
    assert body["files"]["count"] == 0
    assert body["complete"] is True
