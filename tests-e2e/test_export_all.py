"""Export all customer data (issue 6): the customers worker pulls every service's part and builds
a ZIP with one CSV per kind of record, whose row counts are what the services' APIs report."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from harness.api import expect
from harness.customer_record import build_record, line
from harness.polling import eventually

KINDS = [
    "customers",
    "contacts",
    "branches",
    "work_addresses",
    "assets",
    "notes",
    "communications",
    "quotes",
    "jobs",
    "invoices",
    "credit_notes",
    "payments",
]


def total(client, path: str) -> int:
    r = expect(client.get(path, params={"page_size": 1}), 200)
    raw = r.headers.get("X-Pagination")
    return json.loads(raw)["total"] if raw else len(expect(client.get(path), 200).json())


def test_export_all_has_one_file_per_kind_with_the_counts_the_apis_report(tenant):
    client = tenant.admin
    first = build_record(client, "Exported", invoice=True, quote=True, asset=True, note=True)
    second = build_record(client, "Second", invoice=True, note=True)
    expect(
        client.post(
            f"/v1/customers/{first.id}/branches",
            json={"name": "North", "address": {"line_1": "Unit 1", "postcode": "LS10 1AB"}},
        ),
        201,
    )
    expect(client.post(f"/v1/customers/{first.id}/contacts", json={"surname": "Accounts"}), 201)
    expect(client.post(f"/v1/quotes/{first.quote['id']}/convert", json={"engineer": "Sam"}), 201)
    credit_note = expect(
        client.post(
            "/v1/credit-notes",
            json={
                "invoice_id": first.invoice["id"],
                "description": "Goodwill",
                "lines": [line("10.00", "0")],
            },
        ),
        201,
    ).json()
    payment = expect(
        client.post("/v1/payments", json={"customer_id": second.id, "method": "cash", "amount": "50.00"}), 201
    ).json()

    # what the APIs report
    ids = [first.id, second.id]
    expected = {
        "customers": total(client, "/v1/customers"),
        "contacts": sum(total(client, f"/v1/customers/{c}/contacts") for c in ids),
        "branches": sum(total(client, f"/v1/customers/{c}/branches") for c in ids),
        "work_addresses": sum(total(client, f"/v1/customers/{c}/work-addresses") for c in ids),
        "assets": sum(total(client, f"/v1/customers/{c}/assets") for c in ids),
        "notes": sum(total(client, f"/v1/customers/{c}/notes") for c in ids),
        "communications": sum(total(client, f"/v1/customers/{c}/communications") for c in ids),
        "quotes": sum(total(client, f"/v1/customers/{c}/quotes") for c in ids),
        "jobs": sum(total(client, f"/v1/customers/{c}/jobs") for c in ids),
        "invoices": sum(total(client, f"/v1/customers/{c}/invoices") for c in ids),
        # no list of these: each one created is readable on its own
        "credit_notes": len([expect(client.get(f"/v1/credit-notes/{credit_note['id']}"), 200)]),
        "payments": len([expect(client.get(f"/v1/payments/{payment['id']}"), 200)]),
    }
    assert expected == {
        "customers": 2,
        "contacts": 3,
        "branches": 1,
        "work_addresses": 2,
        "assets": 1,
        "notes": 2,
        "communications": expected["communications"],  # the log holds the notes (and nothing else yet)
        "quotes": 1,
        "jobs": 1,
        "invoices": 2,
        "credit_notes": 1,
        "payments": 1,
    }, expected

    started = client.post("/v1/exports", json={"kind": "all"})
    expect(started, 202)
    location = started.headers["Location"]
    assert tenant.client("sales").post("/v1/exports", json={"kind": "all"}).status_code == 403

    def finished():
        body = expect(client.get(location), 200).json()
        assert body["status"] in ("queued", "running", "completed"), body
        return body if body["status"] == "completed" else None

    done = eventually(finished, timeout=90, interval=0.5, message="the export did not complete")
    assert {k: v["rows"] for k, v in done["progress"].items()} == expected
    download = client.get(done["download"])
    expect(download, 200)
    assert download.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert archive.namelist() == [f"{kind}.csv" for kind in KINDS]
    for kind in KINDS:
        rows = list(csv.DictReader(io.StringIO(archive.read(f"{kind}.csv").decode("utf-8"))))
        assert len(rows) == expected[kind], f"{kind}: {len(rows)} rows, the API reports {expected[kind]}"
    invoices = list(csv.DictReader(io.StringIO(archive.read("invoices.csv").decode("utf-8"))))
    assert {r["id"] for r in invoices} == {first.invoice["id"], second.invoice["id"]}
    assert {r["total"] for r in invoices} == {"120.00"}
    payments = list(csv.DictReader(io.StringIO(archive.read("payments.csv").decode("utf-8"))))
    assert payments[0]["amount"] == "50.00" and payments[0]["customer_id"] == second.id
