"""Files on the record through the gateway (issue 16): a 5 MB PDF on a work address is uploaded,
listed and downloaded byte for byte; a file that is a PDF by its name only is a 422; another
tenant's key gets 404 for all of it; after the customer's erasure the file is gone, from the API
and from the store."""

from __future__ import annotations

import hashlib
import os

from harness.api import assert_problem, create_customer, expect
from harness.polling import eventually

MB = 1024 * 1024


def five_mb_pdf() -> bytes:
    """A PDF by its bytes: the header, 5 MB of random stream data, the trailer."""
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 5242880 >>\nstream\n"
    tail = b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    return head + os.urandom(5 * MB - len(head) - len(tail)) + tail


def work_address(client, customer_id: str) -> str:
    body = {"name": "Boiler house", "address": {"line_1": "3 Mill St", "postcode": "LS2 7HY"}}
    return expect(client.post(f"/v1/customers/{customer_id}/work-addresses", json=body), 201).json()["id"]


def upload(client, path: str, data: bytes, name: str, media_type: str = "application/pdf"):
    return client.post(path, files={"file": (name, data, media_type)})


def test_a_5mb_pdf_on_a_work_address_round_trips_and_goes_with_the_erasure(tenant, other_tenant, system):
    client = tenant.admin
    customer = create_customer(client)["id"]
    site = work_address(client, customer)
    pdf = five_mb_pdf()

    uploaded = expect(upload(client, f"/v1/work-addresses/{site}/files", pdf, "gas-safety-2026.pdf"), 201)
    f = uploaded.json()
    assert uploaded.headers["Location"] == f"/v1/files/{f['id']}"
    assert (f["media_type"], f["size_bytes"], f["attached_to"]) == (
        "application/pdf",
        len(pdf),
        "work_address",
    )
    assert (f["customer_id"], f["owner_id"], f["filename"]) == (customer, site, "gas-safety-2026.pdf")
    assert f["sha256"] == hashlib.sha256(pdf).hexdigest()
    stored = system.files_dir / tenant.id / f["id"]
    assert stored.read_bytes() == pdf  # the bytes in the store, as sent

    listed = expect(client.get(f"/v1/work-addresses/{site}/files"), 200).json()
    assert [x["id"] for x in listed] == [f["id"]]
    assert [x["id"] for x in expect(client.get(f"/v1/customers/{customer}/files"), 200).json()] == [f["id"]]

    download = expect(client.get(f"/v1/files/{f['id']}/content"), 200)
    assert download.content == pdf  # byte-identical
    assert download.headers["Content-Type"] == "application/pdf"
    assert "gas-safety-2026.pdf" in download.headers["Content-Disposition"]

    # the overview counts it, the timeline shows it
    overview = expect(client.get(f"/v1/customers/{customer}/overview"), 200).json()
    assert overview["files"] == {"service": "files", "status": "ok", "count": 1}
    timeline = expect(client.get(f"/v1/customers/{customer}/timeline", params={"kind": "file"}), 200).json()
    assert [(e["kind"], e["id"]) for e in timeline["entries"]] == [("file", f["id"])]

    # a text file named .pdf: refused from its bytes, nothing kept
    fake = upload(
        client, f"/v1/work-addresses/{site}/files", b"Dear Sir, this is not a PDF.\n" * 100, "invoice.pdf"
    )
    problem = assert_problem(fake, 422)
    assert "file" in problem["errors"] and "PDF" in problem["errors"]["file"][0], problem
    assert len(expect(client.get(f"/v1/work-addresses/{site}/files"), 200).json()) == 1

    # another tenant's key: nothing of it exists
    other = other_tenant.admin
    assert_problem(other.get(f"/v1/files/{f['id']}"), 404)
    assert_problem(other.get(f"/v1/files/{f['id']}/content"), 404)
    assert_problem(other.delete(f"/v1/files/{f['id']}"), 404)
    assert_problem(other.get(f"/v1/work-addresses/{site}/files"), 404)
    assert_problem(other.get(f"/v1/customers/{customer}/files"), 404)
    assert_problem(upload(other, f"/v1/work-addresses/{site}/files", pdf[:4096] + b"%%EOF\n", "x.pdf"), 404)
    assert stored.exists()

    # the customer is erased: the file goes, from the API and from the store
    expect(client.post(f"/v1/customers/{customer}/erase"), 200)

    def gone() -> bool:
        r = client.get(f"/v1/files/{f['id']}/content")
        return r.status_code == 404

    eventually(gone, timeout=40, message="files removes the erased customer's file")
    assert_problem(client.get(f"/v1/files/{f['id']}"), 404)
    listing = client.get(f"/v1/work-addresses/{site}/files")
    assert listing.status_code == 404 or listing.json() == [], listing.text
    assert not stored.exists()

    def reported() -> dict:
        report = expect(client.get(f"/v1/customers/{customer}/erasure-report"), 200).json()
        assert report["services"]["files"]["status"] == "reported", report
        return report["services"]["files"]

    assert eventually(reported, timeout=40)["actions"] == {"files_removed": 1}


def test_a_file_over_the_limit_is_413_and_a_job_or_asset_must_exist(tenant):
    client = tenant.admin
    customer = create_customer(client)["id"]
    too_big = b"%PDF-1.7\n" + b"0" * (20 * MB)
    problem = assert_problem(upload(client, f"/v1/customers/{customer}/files", too_big, "big.pdf"), 413)
    assert problem["max_bytes"] == 20 * MB, problem
    missing = "7b2f2f0e-1111-4222-8333-444455556666"
    for owner in ("jobs", "assets", "work-addresses", "customers"):
        assert_problem(upload(client, f"/v1/{owner}/{missing}/files", b"%PDF-1.7\n%%EOF\n", "a.pdf"), 404)


def test_a_merge_moves_the_files_to_the_survivors_record(tenant):
    client = tenant.admin
    merged, survivor = create_customer(client)["id"], create_customer(client)["id"]
    pdf = b"%PDF-1.7\n" + os.urandom(2048) + b"\n%%EOF\n"
    on_customer = expect(upload(client, f"/v1/customers/{merged}/files", pdf, "agreement.pdf"), 201).json()
    site = work_address(client, merged)
    on_site = expect(upload(client, f"/v1/work-addresses/{site}/files", pdf, "cert.pdf"), 201).json()

    expect(client.post(f"/v1/customers/{merged}/merge", json={"survivor_id": survivor}), 200)

    def moved() -> list[dict]:
        files = expect(client.get(f"/v1/customers/{survivor}/files"), 200).json()
        assert {f["id"] for f in files} == {on_customer["id"], on_site["id"]}, files
        return files

    files = {f["id"]: f for f in eventually(moved, timeout=40, message="files hears of the merge")}
    assert (files[on_customer["id"]]["owner_id"], files[on_customer["id"]]["customer_id"]) == (
        survivor,
        survivor,
    )
    assert (files[on_site["id"]]["owner_id"], files[on_site["id"]]["customer_id"]) == (site, survivor)
    assert expect(client.get(f"/v1/files/{on_customer['id']}/content"), 200).content == pdf
    problem = assert_problem(client.get(f"/v1/customers/{merged}/files"), 410)
    assert problem["merged_into"] == survivor
