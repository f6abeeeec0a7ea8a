"""Files through the API (as the gateway calls it) and what customers' events do to them."""

from __future__ import annotations

import hashlib
import io

from fieldbook_shared.testing import TENANT, publish
from tests.conftest import MAX_FILE_BYTES
from tests.unit.test_content import PDF, PNG

OTHER_TENANT = "tenant-b"


def upload(api, path, data, name="cert.pdf", **kw):
    return api.post(path, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data", **kw)


def stored(store_dir) -> list[str]:
    return sorted(p.name for p in store_dir.rglob("*") if p.is_file())


def test_upload_list_download_delete_on_a_work_address(api, owners, outbox, store_dir):
    customer = owners.customer()
    wa = owners.add("work_address", customer)
    body = PDF + b"x" * 5000

    r = upload(api, f"/v1/work-addresses/{wa}/files", body)
    assert r.status_code == 201, r.get_json()
    f = r.get_json()
    assert r.headers["Location"] == f"/v1/files/{f['id']}"
    assert f["media_type"] == "application/pdf"
    assert f["size_bytes"] == len(body) and f["sha256"] == hashlib.sha256(body).hexdigest()
    assert (f["customer_id"], f["attached_to"], f["owner_id"], f["work_address_id"]) == (
        customer,
        "work_address",
        wa,
        wa,
    )
    assert stored(store_dir) == [f["id"]]

    listed = api.get(f"/v1/work-addresses/{wa}/files")
    assert listed.status_code == 200 and [x["id"] for x in listed.get_json()] == [f["id"]]
    # the customer's list holds every file on its record
    assert [x["id"] for x in api.get(f"/v1/customers/{customer}/files").get_json()] == [f["id"]]
    assert api.get(f"/v1/customers/{customer}/files?attached_to=job").get_json() == []

    down = api.get(f"/v1/files/{f['id']}/content")
    assert down.status_code == 200 and down.data == body
    assert down.mimetype == "application/pdf"
    assert 'filename="cert.pdf"' in down.headers["Content-Disposition"]

    [event] = outbox("file.uploaded")
    assert event["data"]["sha256"] == f["sha256"] and event["data"]["customer_id"] == customer

    assert api.delete(f"/v1/files/{f['id']}").status_code == 204
    assert api.get(f"/v1/files/{f['id']}").status_code == 404
    assert api.get(f"/v1/files/{f['id']}/content").status_code == 404
    assert stored(store_dir) == []
    [deleted] = outbox("file.deleted")
    assert deleted["data"]["reason"] == "deleted" and deleted["data"]["id"] == f["id"]


def test_a_file_named_pdf_that_is_not_one_is_refused_and_nothing_is_kept(api, owners, outbox, store_dir):
    customer = owners.customer()
    r = upload(api, f"/v1/customers/{customer}/files", b"hello, I am not a PDF\n", "invoice.pdf")
    assert r.status_code == 422
    assert "The name says a PDF" in r.get_json()["errors"]["file"][0]
    assert upload(api, f"/v1/customers/{customer}/files", PNG, "invoice.pdf").status_code == 422
    assert stored(store_dir) == [] and outbox.count() == 0


def test_too_large_is_413_and_not_multipart_is_415(api, owners, store_dir):
    customer = owners.customer()
    r = upload(api, f"/v1/customers/{customer}/files", PDF + b"x" * MAX_FILE_BYTES)
    assert r.status_code == 413
    assert r.get_json()["max_bytes"] == MAX_FILE_BYTES
    assert r.mimetype == "application/problem+json"
    r = api.post(f"/v1/customers/{customer}/files", data=PDF, content_type="application/pdf")
    assert r.status_code == 415
    r = api.post(f"/v1/customers/{customer}/files", data={}, content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.get_json()["errors"]
    assert stored(store_dir) == []


def test_another_tenants_owner_and_file_are_404(api, owners):
    customer = owners.customer()
    f = upload(api, f"/v1/customers/{customer}/files", PDF).get_json()
    other = api.as_(tenant=OTHER_TENANT)
    assert other.get(f"/v1/customers/{customer}/files").status_code == 404
    assert upload(other, f"/v1/customers/{customer}/files", PDF).status_code == 404
    assert other.get(f"/v1/files/{f['id']}").status_code == 404
    assert other.get(f"/v1/files/{f['id']}/content").status_code == 404
    assert other.delete(f"/v1/files/{f['id']}").status_code == 404
    assert api.get(f"/v1/files/{f['id']}/content").data == PDF


def test_owner_unknown_is_404_and_owner_service_down_is_503(api, owners, store_dir):
    missing = "6f1c1d1e-0000-4000-8000-000000000000"
    for path in ("customers", "work-addresses", "jobs", "assets"):
        assert upload(api, f"/v1/{path}/{missing}/files", PDF).status_code == 404
    customer = owners.customer()
    owners.down = True
    assert upload(api, f"/v1/customers/{customer}/files", PDF).status_code == 503
    assert stored(store_dir) == []


def test_job_and_asset_files_carry_their_customer(api, owners):
    customer = owners.customer()
    wa = owners.add("work_address", customer)
    job = owners.add("job", customer, work_address_id=wa)
    asset = owners.add("asset", customer)
    fj = upload(api, f"/v1/jobs/{job}/files", PNG, "before.png").get_json()
    fa = upload(api, f"/v1/assets/{asset}/files", b"serial,make\n1,Worcester\n", "plate.csv").get_json()
    assert (fj["customer_id"], fj["work_address_id"], fj["media_type"]) == (customer, wa, "image/png")
    assert (fa["customer_id"], fa["media_type"]) == (customer, "text/csv")
    assert {x["id"] for x in api.get(f"/v1/customers/{customer}/files").get_json()} == {fj["id"], fa["id"]}
    assert [x["id"] for x in api.get(f"/v1/jobs/{job}/files").get_json()] == [fj["id"]]


def test_erasure_removes_every_file_and_its_bytes_and_reports(api, owners, bus, outbox, store_dir):
    customer = owners.customer()
    wa = owners.add("work_address", customer)
    keep_customer = owners.customer()
    for path in (f"/v1/customers/{customer}/files", f"/v1/work-addresses/{wa}/files"):
        assert upload(api, path, PDF).status_code == 201
    kept = upload(api, f"/v1/customers/{keep_customer}/files", PDF).get_json()
    assert len(stored(store_dir)) == 3

    publish(bus, "customer.erased", {"customer_id": customer}, tenant=TENANT)
    bus.drain()
    publish(bus, "customer.erased", {"customer_id": customer}, tenant=TENANT)  # twice: no harm
    bus.drain()

    assert stored(store_dir) == [kept["id"]]
    assert api.get(f"/v1/work-addresses/{wa}/files").get_json() == []
    assert api.get(f"/v1/customers/{customer}/files").get_json() == []
    reasons = [e["data"]["reason"] for e in outbox("file.deleted")]
    assert reasons == ["customer_erased", "customer_erased"]
    reports = outbox("customer.erasure_reported")
    assert [r["data"]["actions"] for r in reports] == [{"files_removed": 2}, {"files_removed": 0}]


def test_delete_and_merge_of_the_customer(api, owners, bus, outbox, store_dir):
    merged, survivor, gone = owners.customer(), owners.customer(), owners.customer()
    f = upload(api, f"/v1/customers/{merged}/files", PDF).get_json()
    upload(api, f"/v1/customers/{gone}/files", PDF)

    publish(bus, "customer.merged", {"survivor_id": survivor, "merged_id": merged}, tenant=TENANT)
    bus.drain()
    moved = api.get(f"/v1/files/{f['id']}").get_json()
    assert (moved["customer_id"], moved["owner_id"]) == (survivor, survivor)
    assert [x["id"] for x in api.get(f"/v1/customers/{survivor}/files").get_json()] == [f["id"]]

    publish(bus, "customer.deleted", {"customer_id": gone}, tenant=TENANT)
    bus.drain()
    assert stored(store_dir) == [f["id"]]
    assert [e["data"]["reason"] for e in outbox("file.deleted")] == ["customer_deleted"]


def test_a_deleted_asset_takes_its_files(api, owners, bus, store_dir):
    customer = owners.customer()
    asset = owners.add("asset", customer)
    upload(api, f"/v1/assets/{asset}/files", PDF)
    publish(
        bus,
        "asset.deleted",
        {"id": asset, "customer_id": customer, "serial_number": None, "reason": "deleted"},
        tenant=TENANT,
        source="assets",
    )
    bus.drain()
    assert stored(store_dir) == []


def test_timeline_entries(api, owners):
    customer = owners.customer()
    wa = owners.add("work_address", customer)
    f = upload(api, f"/v1/work-addresses/{wa}/files", PDF, "gas-safety.pdf").get_json()
    r = api.get(f"/internal/customers/{customer}/timeline-entries?limit=5")
    assert r.status_code == 200, r.get_json()
    [entry] = r.get_json()["entries"]
    assert (entry["kind"], entry["id"], entry["work_address_id"]) == ("file", f["id"], wa)
    assert "gas-safety.pdf" in entry["title"]
