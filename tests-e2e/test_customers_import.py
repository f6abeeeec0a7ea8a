"""CSV import through the gateway, run by the customers worker on PostgreSQL: 10,000 rows with 50
bad rows and 20 duplicates; a re-import that updates instead of duplicating; a dry run.

Alone in its file: the test floods the bus, so it runs last (conftest), and `make test-e2e` hands
the e2e files out whole to its parallel runs (pytest-xdist --dist loadfile)."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest

from harness.api import customer_count, expect
from harness.polling import eventually

ROWS = 10_000
HEADER = ["Title", "First Name", "Surname", "Address 1", "Town", "Postcode", "Email", "Phone", "Terms"]
MAPPING = {
    "Title": "title",
    "First Name": "first_name",
    "Surname": "surname",
    "Address 1": "address_line_1",
    "Town": "town",
    "Postcode": "postcode",
    "Email": "email",
    "Phone": "phone",
    "Terms": "payment_terms_days",
}


def _postcode(i: int) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"LS{i % 28 + 1} {i % 9 + 1}{letters[(i // 9) % 20]}{letters[(i // 180) % 20]}"


def build_file(
    phone: str = "0113 496 0000", town: str = "Leeds", rows: int = ROWS
) -> tuple[bytes, set[int], set[int]]:
    """10,000 rows: every 200th row is bad (50), 20 rows repeat an earlier row's email or name+postcode.

    Returns the file and the row numbers (header = row 1) of the bad rows and of the duplicates.
    """
    bad, dupes = set(), set()
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    for i in range(rows):
        number = i + 2
        row = [
            "Mr",
            f"First{i}",
            f"Surname{i}",
            f"{i} Long Lane",
            town,
            _postcode(i),
            f"p{i}@example.com",
            phone,
            "30",
        ]
        if i % 200 == 199:  # 50 bad rows, four kinds of mistake
            bad.add(number)
            kind = (i // 200) % 4
            if kind == 0:
                row[2] = ""  # a private customer needs a surname
            elif kind == 1:
                row[6] = "not-an-email"
            elif kind == 2:
                row[5] = ""  # postcode always required
            else:
                row[8] = "thirty"
        elif i % 500 == 250:  # 20 duplicates of an earlier row
            dupes.add(number)
            j = i - 100
            if (i // 500) % 2 == 0:
                row[6] = f"p{j}@example.com"  # same email as row j
            else:
                row[1], row[2], row[5] = f"First{j}", f"Surname{j}", _postcode(j)  # same name + postcode
        writer.writerow(row)
    return buf.getvalue().encode("utf-8"), bad, dupes


def run_import(client, body: bytes, match_key=None, dry_run=False, timeout=360.0, rows=ROWS) -> dict:
    started = time.monotonic()
    r = expect(
        client.post("/v1/imports?kind=customers", data=body, headers={"Content-Type": "text/csv"}), 201
    )
    upload = r.json()
    assert upload["progress"]["total_rows"] == rows
    assert upload["suggested_mapping"] == MAPPING
    assert len(upload["sample_rows"]) == 5
    expect(
        client.post(
            f"/v1/imports/{upload['id']}/mapping",
            json={"mapping": MAPPING, "match_key": match_key, "dry_run": dry_run},
        ),
        202,
    )

    def finished():
        body = expect(client.get(f"/v1/imports/{upload['id']}"), 200).json()
        assert body["status"] in ("queued", "running", "completed"), body
        return body if body["status"] == "completed" else None

    done = eventually(finished, timeout=timeout, interval=0.5, message="import did not complete")
    done["_seconds"] = time.monotonic() - started
    print(
        f"\nimport of {ROWS} rows (dry_run={dry_run}, match_key={match_key}): {done['_seconds']:.1f}s, "
        f"{rows / done['_seconds']:.0f} rows/s, counts {done['counts']}"
    )
    return done


def report(client, import_id: str) -> list[dict]:
    issues, page = [], 1
    while True:
        r = expect(
            client.get(f"/v1/imports/{import_id}/errors", params={"page": page, "page_size": 1000}), 200
        )
        issues.extend(r.json())
        meta = json.loads(r.headers["X-Pagination"])
        if page >= meta.get("last_page", 1):
            return issues
        page += 1


@pytest.mark.floods_the_bus
def test_import_of_10000_rows_imports_the_good_ones_reports_the_others_and_reimports_as_updates(tenant):
    client = tenant.admin
    body, bad, dupes = build_file()
    assert len(bad) == 50 and len(dupes) == 20

    first = run_import(client, body)
    assert first["counts"] == {"created": 9930, "updated": 0, "unchanged": 0, "refused": 50, "duplicates": 20}
    assert customer_count(client) == 9930
    issues = report(client, first["id"])
    assert {i["row"] for i in issues if i["kind"] == "error"} == bad
    assert {i["row"] for i in issues if i["kind"] == "duplicate"} == dupes
    by_row = {i["row"]: i for i in issues}
    assert by_row[201]["field"] == "surname" and by_row[401]["field"] == "email"
    assert by_row[601]["field"] == "postcode" and by_row[801]["field"] == "payment_terms_days"
    assert by_row[252]["reason"] == "Same email as row 152."

    # the same file again, matched on email: every good row is recognised, nothing is created
    same = run_import(client, body, match_key="email")
    assert same["counts"] == {"created": 0, "updated": 0, "unchanged": 9930, "refused": 50, "duplicates": 20}
    assert customer_count(client) == 9930

    # a dry run of a file where everyone moved reports the updates and writes nothing
    moved, _, _ = build_file(town="York")
    dry = run_import(client, moved, match_key="email", dry_run=True)
    assert dry["counts"] == {"created": 0, "updated": 9930, "unchanged": 0, "refused": 50, "duplicates": 20}
    assert customer_count(client) == 9930
    assert customer_count(client, q="York") == 0

    # the first 1,000 rows with a new phone number, for real: updated, nothing created
    changed, _, _ = build_file(phone="0113 000 0000", rows=1000)
    again = run_import(client, changed, match_key="email", rows=1000)
    assert again["counts"] == {"created": 0, "updated": 993, "unchanged": 0, "refused": 5, "duplicates": 2}
    assert customer_count(client) == 9930
    [someone] = expect(client.get("/v1/customers", params={"q": "p432@example.com"}), 200).json()
    assert someone["phone"] == "0113 000 0000" and someone["town"] == "Leeds"
    customer = expect(client.get(f"/v1/customers/{someone['id']}"), 200).json()
    # created (1), updated once by the import; the accounts ref and balance from accounting-sync
    # do not move the version (they are not the office's edits)
    assert customer["version"] == 2, customer
