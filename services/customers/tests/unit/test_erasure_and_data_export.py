"""The erasure report (each service's part, pending until it reports) and the export of all
customer data (a ZIP with one CSV per kind, built by the worker's job, streamed from chunks)."""

from __future__ import annotations

import csv
import io
import zipfile

from customers import data_export
from fieldbook_shared import service_table
from fieldbook_shared.events import build_event

from ..conftest import TENANT, private_customer

# every service behind the gateway but customers reports its part (the service table's list)
REPORTERS = sorted(s.name for s in service_table.upstreams() if s.name != "customers")


def _erased(api) -> str:
    customer = api.post(
        "/v1/customers", private_customer(primary_contact={"surname": "Smith", "email": "jane@example.com"})
    ).get_json()
    assert api.post(f"/v1/customers/{customer['id']}/erase").status_code == 200
    return customer["id"]


def _report(bus, customer_id: str, service: str, **actions) -> None:
    event = build_event(
        "customer.erasure_reported",
        source=service,
        tenant_id=TENANT,
        subject=customer_id,
        data={"customer_id": customer_id, "service": service, "actions": actions},
    )
    bus.publish(event.type, event.to_json(), event.id, event.tenant_id)
    bus.drain()


def test_erasure_report_lists_who_reported_and_who_is_pending(api, bus):
    customer_id = _erased(api)
    path = f"/v1/customers/{customer_id}/erasure-report"

    report = api.get(path).get_json()
    assert report["complete"] is False
    assert report["pending"] == REPORTERS
    assert {"accounting-sync", "assets", "billing", "comms", "files", "servicing"} <= set(REPORTERS)
    assert report["services"]["customers"]["status"] == "reported"
    assert report["services"]["customers"]["actions"]["contacts_anonymised"] == 1

    _report(bus, customer_id, "billing", invoices_kept=2)
    _report(bus, customer_id, "billing", invoices_kept=3)  # a repeated report replaces the first
    for service in REPORTERS:
        if service != "billing":
            _report(bus, customer_id, service, done=True)

    report = api.get(path).get_json()
    assert report["complete"] is True and report["pending"] == []
    assert report["services"]["billing"]["actions"] == {"invoices_kept": 3}
    assert sorted(report["services"]) == sorted([*REPORTERS, "customers"])


def test_erasure_report_of_a_customer_not_erased_is_404(api):
    customer = api.post("/v1/customers", private_customer()).get_json()
    assert api.get(f"/v1/customers/{customer['id']}/erasure-report").status_code == 404
    assert api.as_(tenant="tenant-b").get(f"/v1/customers/{customer['id']}/erasure-report").status_code == 404


def test_export_all_builds_a_zip_with_one_csv_per_kind(api, settings, sessions, monkeypatch):
    for i in range(3):
        customer = api.post(
            "/v1/customers", private_customer(email=f"p{i}@example.com", primary_contact={"surname": f"C{i}"})
        ).get_json()
    api.post(f"/v1/customers/{customer['id']}/work-addresses", {"address": {"line_1": "1 Lane"}})
    remote = {"invoices": [["i1", "12.50"], ["i2", "7.00"], ["i3", "1.00"]]}
    calls = []

    def fake_fetch(base_url, kind, after, *, tenant_id, **_kw):
        calls.append((base_url, kind, after, tenant_id))
        rows = remote.get(kind, [])
        start = int(after or 0)
        page = rows[start : start + 2]  # two rows a page: the job follows next_after
        following = str(start + 2) if start + 2 < len(rows) else None
        return {"kind": kind, "columns": ["id", "total"], "rows": page, "next_after": following}

    monkeypatch.setattr(data_export, "fetch_remote", fake_fetch)
    settings = settings.with_(
        service_urls={"billing": "http://billing", "assets": "http://assets", "comms": "http://comms"}
    )
    started = api.post("/v1/exports", {"kind": "all"})
    assert started.status_code == 202
    export_id = started.get_json()["id"]
    assert started.headers["Location"] == f"/v1/exports/{export_id}"
    assert api.get(f"/v1/exports/{export_id}/download").status_code == 409  # not built yet

    assert data_export.run_next(sessions, settings) == "completed"

    status = api.get(f"/v1/exports/{export_id}").get_json()
    assert status["status"] == "completed" and status["download"] == f"/v1/exports/{export_id}/download"
    assert status["progress"]["customers"]["rows"] == 3
    assert status["progress"]["invoices"] == {"service": "billing", "status": "done", "rows": 3}
    assert ("http://billing", "invoices", "2", TENANT) in calls
    body = api.get(f"/v1/exports/{export_id}/download")
    assert body.status_code == 200 and body.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body.data))
    assert archive.namelist() == [f"{part}.csv" for part, _service in data_export.PLAN]

    def rows(name):
        return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))

    assert len(rows("customers.csv")) == 1 + 3 and rows("customers.csv")[0][0] == "id"
    assert len(rows("contacts.csv")) == 1 + 3
    assert len(rows("work_addresses.csv")) == 1 + 1
    assert "communication_preferences" in rows("work_addresses.csv")[0]
    assert rows("invoices.csv") == [["id", "total"], ["i1", "12.50"], ["i2", "7.00"], ["i3", "1.00"]]
    assert rows("assets.csv") == [["id", "total"]]
    # another tenant sees nothing of it
    assert api.as_(tenant="tenant-b").get(f"/v1/exports/{export_id}").status_code == 404


def test_export_fails_clearly_when_a_service_does_not_answer(api, settings, sessions, monkeypatch):
    def down(*_a, **_kw):
        raise data_export.PartUnavailable("assets: URLError: connection refused")

    monkeypatch.setattr(data_export, "fetch_remote", down)
    settings = settings.with_(service_urls={"assets": "http://assets"})
    export_id = api.post("/v1/exports", {"kind": "all"}).get_json()["id"]
    assert data_export.run_next(sessions, settings) == "failed"
    status = api.get(f"/v1/exports/{export_id}").get_json()
    assert status["status"] == "failed" and "assets" in status["error"]
    assert status["progress"]["customers"]["status"] == "done"


def test_export_kind_is_checked(api):
    assert api.post("/v1/exports", {"kind": "everything"}).status_code == 422
    assert api.post("/v1/exports", {"kind": "all", "extra": 1}).status_code == 422
