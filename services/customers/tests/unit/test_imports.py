"""CSV import: upload, mapping, row validation, duplicates, match-key updates, dry run, streaming."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from customers.domain import imports as rules
from customers.imports import files
from customers.imports.job import run_next
from customers.store.models import Contact, Customer, Import, ImportChunk, WorkAddress
from fieldbook_shared.db import OutboxMessage

from ..conftest import count, private_customer

HEADER = [
    "Title",
    "First Name",
    "Last Name",
    "Address 1",
    "Town",
    "Post Code",
    "E-mail",
    "Telephone",
    "Sage Ref",
]
MAPPING = {
    "Title": "title",
    "First Name": "first_name",
    "Last Name": "surname",
    "Address 1": "address_line_1",
    "Town": "town",
    "Post Code": "postcode",
    "E-mail": "email",
    "Telephone": "phone",
    "Sage Ref": "accounts_ref",
}


def person(i: int, **overrides) -> list[str]:
    row = {
        "Title": "Mr",
        "First Name": f"John{i}",
        "Last Name": f"Smith{i}",
        "Address 1": f"{i} High Street",
        "Town": "Leeds",
        "Post Code": "ls1 4ab",
        "E-mail": f"john{i}@example.com",
        "Telephone": "0113 496 0000",
        "Sage Ref": f"SM{i:04d}",
    }
    row.update(overrides)
    return [row[h] for h in HEADER]


def csv_bytes(rows: list[list[str]], header=HEADER) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def upload(api, body: bytes, kind: str = "customers"):
    return api.client.post(
        f"/v1/imports?kind={kind}",
        data=body,
        content_type="text/csv",
        headers={"X-Tenant-Id": api.tenant, "X-Role": api.role, "X-Actor": "test:admin"},
    )


def run_import(
    api, settings, sessions, body: bytes, mapping=MAPPING, match_key=None, dry_run=False, kind="customers"
):
    created = upload(api, body, kind)
    assert created.status_code == 201, created.get_json()
    import_id = created.get_json()["id"]
    queued = api.post(
        f"/v1/imports/{import_id}/mapping", {"mapping": mapping, "match_key": match_key, "dry_run": dry_run}
    )
    assert queued.status_code == 202, queued.get_json()
    assert queued.get_json()["status"] == "queued"
    assert run_next(sessions, settings) == "completed"
    return api.get(f"/v1/imports/{import_id}").get_json()


def issues(api, import_id: str, **params) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in {"page_size": 1000, **params}.items())
    resp = api.get(f"/v1/imports/{import_id}/errors?{query}")
    assert resp.status_code == 200
    return resp.get_json()


@pytest.fixture
def small_batches(settings):
    return settings.with_(import_batch_size=3)


# --- the rules ------------------------------------------------------------------------------


def test_suggested_mapping_follows_header_names():
    columns = [
        "Sage Ref",
        "Forename",
        "Surname",
        "Address Line 1",
        "Postal Code",
        "Email Address",
        "Tel",
        "Notes",
    ]
    assert rules.suggest_mapping("customers", columns) == {
        "Sage Ref": "accounts_ref",
        "Forename": "first_name",
        "Surname": "surname",
        "Address Line 1": "address_line_1",
        "Postal Code": "postcode",
        "Email Address": "email",
        "Tel": "phone",
        "Notes": None,
    }


def test_a_file_with_only_a_company_name_imports_companies():
    assert rules.default_type({"Company": "company_name", "Postcode": "postcode"}) == "company"
    assert rules.default_type({"Company": "company_name", "Surname": "surname"}) == "private"


# --- upload ---------------------------------------------------------------------------------


def test_upload_answers_with_columns_five_samples_and_a_suggested_mapping(api, sessions):
    resp = upload(api, csv_bytes([person(i) for i in range(8)]))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert resp.headers["Location"] == f"/v1/imports/{body['id']}"
    assert body["status"] == "uploaded"
    assert body["columns"] == HEADER
    assert len(body["sample_rows"]) == 5
    assert body["sample_rows"][0]["Last Name"] == "Smith0"
    assert body["suggested_mapping"] == MAPPING
    assert body["progress"]["total_rows"] == 8
    assert "contact_surname" in body["fields"]
    assert count(sessions, ImportChunk) == 1


def test_an_import_says_which_fields_every_row_needs(api):
    customers = upload(api, csv_bytes([person(1)])).get_json()
    assert customers["required_fields"] == [["address_line_1"], ["postcode"]]
    work_addresses = upload(api, b"Account,Street\nA1,1 High St\n", kind="work_addresses").get_json()
    assert work_addresses["required_fields"] == [
        ["customer_accounts_ref", "customer_email", "customer_id"],
        ["address_line_1"],
    ]


def test_upload_as_multipart_file(api):
    resp = api.client.post(
        "/v1/imports?kind=customers",
        data={"file": (io.BytesIO(csv_bytes([person(1)])), "people.csv")},
        content_type="multipart/form-data",
        headers={"X-Tenant-Id": api.tenant, "X-Role": "admin"},
    )
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["filename"] == "people.csv"
    assert resp.get_json()["progress"]["total_rows"] == 1


def test_empty_or_unsupported_upload_is_refused_and_nothing_is_kept(api, sessions):
    assert upload(api, b"").status_code == 422
    assert upload(api, b"\n\n").status_code == 422
    resp = api.client.post(
        "/v1/imports",
        data=b"{}",
        content_type="application/json",
        headers={"X-Tenant-Id": api.tenant, "X-Role": "admin"},
    )
    assert resp.status_code == 415
    assert count(sessions, Import) == 0 and count(sessions, ImportChunk) == 0


def test_only_admin_imports(api):
    resp = upload(api.as_(role="sales"), csv_bytes([person(1)]))
    assert resp.status_code == 403


def test_bad_mapping_gives_field_errors(api):
    import_id = upload(api, csv_bytes([person(1)])).get_json()["id"]
    cases = [
        ({"Nope": "surname"}, None, "mapping.Nope"),
        ({"Last Name": "favourite_colour"}, None, "mapping.Last Name"),
        ({"Last Name": "surname", "Title": "surname"}, None, "mapping.Title"),
        ({"Last Name": "surname"}, "email", "match_key"),
    ]
    for mapping, match_key, field in cases:
        resp = api.post(f"/v1/imports/{import_id}/mapping", {"mapping": mapping, "match_key": match_key})
        assert resp.status_code == 422, mapping
        assert field in resp.get_json()["errors"], resp.get_json()
    assert api.get(f"/v1/imports/{import_id}").get_json()["status"] == "uploaded"


def test_another_tenants_import_is_not_found(api):
    import_id = upload(api, csv_bytes([person(1)])).get_json()["id"]
    assert api.as_(tenant="tenant-b").get(f"/v1/imports/{import_id}").status_code == 404


# --- validation, duplicates, events -----------------------------------------------------------


def test_good_rows_are_imported_and_bad_and_duplicate_rows_reported_by_row(api, settings, sessions, outbox):
    rows = [person(i) for i in range(10)]
    rows[2] = person(2, **{"Last Name": ""})  # row 4: private needs a surname
    rows[4] = person(4, **{"E-mail": "not-an-email"})  # row 6
    rows[5] = person(5, **{"Post Code": ""})  # row 7: postcode always required
    rows[7] = person(7, **{"E-mail": "john1@example.com", "Sage Ref": "X7"})  # row 9: same email as row 3
    rows[8] = person(
        8, **{"First Name": "John0", "Last Name": "Smith0", "E-mail": "", "Sage Ref": ""}
    )  # row 10
    done = run_import(api, settings, sessions, csv_bytes(rows))
    assert done["status"] == "completed"
    assert done["counts"] == {"created": 5, "updated": 0, "unchanged": 0, "refused": 3, "duplicates": 2}
    assert done["progress"] == {"total_rows": 10, "processed_rows": 10, "percent": 100}
    report = issues(api, done["id"])
    assert [(i["row"], i["kind"], i["field"]) for i in report] == [
        (4, "error", "surname"),
        (6, "error", "email"),
        (7, "error", "postcode"),
        (9, "duplicate", None),
        (10, "duplicate", None),
    ]
    assert report[0]["column"] == "Last Name"
    assert report[3]["reason"] == "Same email as row 3."
    assert report[4]["reason"] == "Same name and postcode as row 2."
    assert [i["row"] for i in issues(api, done["id"], kind="duplicate")] == [9, 10]

    listed = api.get("/v1/customers?page_size=100").get_json()
    assert sorted(c["display_name"] for c in listed) == [f"John{i} Smith{i}" for i in (0, 1, 3, 6, 9)]
    customer = api.get(f"/v1/customers/{listed[0]['id']}").get_json()
    assert customer["address"]["postcode"] == "LS1 4AB"  # the API's normalisation
    assert customer["accounts_ref"].startswith("SM")
    created = outbox("customer.created")
    assert len(created) == 5
    assert created[0]["data"]["version"] == 1 and created[0]["source"] == "customers"


def test_rows_duplicating_existing_customers_are_not_imported(api, settings, sessions):
    api.post(
        "/v1/customers", private_customer(first_name="John1", surname="Smith1", email="other@example.com")
    )
    api.post("/v1/customers", private_customer(surname="Else", email="JOHN2@example.com"))
    done = run_import(api, settings, sessions, csv_bytes([person(1), person(2), person(3)]))
    assert done["counts"]["created"] == 1 and done["counts"]["duplicates"] == 2
    reasons = [i["reason"] for i in issues(api, done["id"])]
    assert reasons[0].startswith("Same name and postcode as existing customer John1 Smith1")
    assert reasons[1].startswith("Same email as existing customer John Else")


def test_primary_contact_columns_make_the_primary_contact(api, settings, sessions, outbox):
    header = ["Company", "Address 1", "Postcode", "Contact Surname", "Contact Email", "Contact Phone"]
    body = csv_bytes(
        [["Acme Ltd", "2 Mill Lane", "BD1 1AA", "Jones", "jo@acme.example", "07700 900123"]], header
    )
    mapping = dict(
        zip(
            header,
            [
                "company_name",
                "address_line_1",
                "postcode",
                "contact_surname",
                "contact_email",
                "contact_phone",
            ],
            strict=True,
        )
    )
    done = run_import(api, settings, sessions, body, mapping)
    assert done["counts"]["created"] == 1
    [row] = api.get("/v1/customers").get_json()
    customer = api.get(f"/v1/customers/{row['id']}").get_json()
    assert customer["type"] == "company" and customer["display_name"] == "Acme Ltd"
    contact = customer["primary_contact"]
    assert contact["surname"] == "Jones" and contact["phones"] == [
        {"type": "mobile", "number": "07700 900123"}
    ]
    [event] = outbox("contact.created")
    assert event["data"]["primary"] is True and event["data"]["customer_id"] == customer["id"]
    # what the import wrote (multi-row INSERTs) is searchable at once: its own fields and its contact's
    for q in ("acme", "jones", "jo@acme", "900123", "bd1 1a"):
        assert [r["id"] for r in api.get("/v1/customers", query_string={"q": q}).get_json()] == [row["id"]], q


def test_the_tenants_own_rules_apply_to_imported_rows(api, settings, sessions):
    api.post("/v1/customer-types", {"name": "trade", "label": "Trade", "required_fields": ["email"]})
    header = ["Type", "Surname", "Address 1", "Postcode", "Email"]
    body = csv_bytes(
        [
            ["trade", "A", "1 St", "LS1 1AA", ""],
            ["Trade", "B", "2 St", "LS1 1AA", "b@x.example"],
            ["alien", "C", "3 St", "LS1 1AA", ""],
        ],
        header,
    )
    mapping = dict(zip(header, ["type", "surname", "address_line_1", "postcode", "email"], strict=True))
    done = run_import(api, settings, sessions, body, mapping)
    assert done["counts"]["created"] == 1 and done["counts"]["refused"] == 2
    assert [(i["row"], i["field"]) for i in issues(api, done["id"])] == [(2, "email"), (4, "type")]


# --- match keys -----------------------------------------------------------------------------


def test_reimport_with_match_key_updates_and_creates_nothing(api, settings, sessions, outbox):
    rows = [person(i) for i in range(6)]
    first = run_import(api, settings, sessions, csv_bytes(rows), match_key="email")
    assert first["counts"]["created"] == 6
    events_before = outbox.count()

    same = run_import(api, settings, sessions, csv_bytes(rows), match_key="email")
    assert same["counts"] == {"created": 0, "updated": 0, "unchanged": 6, "refused": 0, "duplicates": 0}
    assert outbox.count() == events_before  # nothing changed, nothing published

    changed = [person(i, **{"Telephone": "0113 000 1111", "Town": "Bradford"}) for i in range(6)]
    again = run_import(api, settings, sessions, csv_bytes(changed), match_key="email")
    assert again["counts"] == {"created": 0, "updated": 6, "unchanged": 0, "refused": 0, "duplicates": 0}
    assert count(sessions, Customer) == 6
    updated = outbox("customer.updated")
    assert len(updated) == 6 and updated[0]["data"]["version"] == 2
    assert {c["town"] for c in api.get("/v1/customers").get_json()} == {"Bradford"}


def test_match_on_accounts_ref_and_on_name_and_postcode(api, settings, sessions):
    run_import(api, settings, sessions, csv_bytes([person(1), person(2)]))
    by_ref = run_import(
        api,
        settings,
        sessions,
        csv_bytes([person(1, **{"E-mail": "new1@example.com"})]),
        match_key="accounts_ref",
    )
    assert by_ref["counts"]["updated"] == 1 and by_ref["counts"]["created"] == 0
    by_name = run_import(
        api,
        settings,
        sessions,
        csv_bytes([person(2, **{"E-mail": "new2@example.com", "Sage Ref": "", "Post Code": "LS14AB"})]),
        match_key="name_postcode",
    )
    assert by_name["counts"]["updated"] == 1
    emails = sorted(c["email"] for c in api.get("/v1/customers").get_json())
    assert emails == ["new1@example.com", "new2@example.com"]
    assert count(sessions, Customer) == 2


def test_a_match_key_matching_two_customers_refuses_the_row(api, settings, sessions):
    api.post("/v1/customers", private_customer(email="twin@example.com", surname="One"))
    api.post("/v1/customers", private_customer(email="twin@example.com", surname="Two"))
    done = run_import(
        api, settings, sessions, csv_bytes([person(1, **{"E-mail": "twin@example.com"})]), match_key="email"
    )
    assert done["counts"]["refused"] == 1
    [issue] = issues(api, done["id"])
    assert issue["field"] == "email" and "Matches 2 existing customers" in issue["reason"]


# --- dry run ------------------------------------------------------------------------------


def test_dry_run_reports_what_would_happen_and_writes_nothing(api, settings, sessions):
    run_import(api, settings, sessions, csv_bytes([person(1)]))
    events_before = count(sessions, OutboxMessage)
    rows = [person(1, Town="York"), person(2), person(3, **{"Last Name": ""}), person(2)]
    dry = run_import(api, settings, sessions, csv_bytes(rows), match_key="email", dry_run=True)
    assert dry["dry_run"] is True
    assert dry["counts"] == {"created": 1, "updated": 1, "unchanged": 0, "refused": 1, "duplicates": 1}
    assert [i["row"] for i in issues(api, dry["id"])] == [4, 5]
    assert count(sessions, Customer) == 1 and count(sessions, Contact) == 0
    assert count(sessions, OutboxMessage) == events_before
    assert api.get("/v1/customers").get_json()[0]["town"] == "Leeds"

    # the same upload, run for real after looking at the report
    real = api.post(f"/v1/imports/{dry['id']}/mapping", {"mapping": MAPPING, "match_key": "email"})
    assert real.status_code == 202
    assert run_next(sessions, settings) == "completed"
    done = api.get(f"/v1/imports/{dry['id']}").get_json()
    assert done["counts"] == {"created": 1, "updated": 1, "unchanged": 0, "refused": 1, "duplicates": 1}
    assert count(sessions, Customer) == 2


# --- batches and streaming --------------------------------------------------------------------


def test_batches_commit_progress_and_one_lookup_per_batch(api, small_batches, sessions):
    from sqlalchemy import event

    statements: list[str] = []
    engine = sessions.kw["bind"]
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        done = run_import(api, small_batches, sessions, csv_bytes([person(i) for i in range(10)]))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert done["counts"]["created"] == 10
    lookups = [
        s
        for s in statements
        if s.lstrip().upper().startswith("SELECT")
        and "FROM customers" in s
        and "lower(customers.email) IN" in s
    ]
    assert len(lookups) == 4  # 10 rows in batches of 3: one lookup per batch, not one per row


def test_rows_stream_from_small_chunks_across_characters_and_quoted_newlines(
    api, settings, sessions, monkeypatch
):
    monkeypatch.setattr(files, "CHUNK_SIZE", 7)
    rows = [person(i, **{"Address 1": f"Flat {i}\nÉcole Façade ✓", "Town": "Llanfairpwll"}) for i in range(5)]
    body = csv_bytes(rows).replace(b"\n", b"\r\n")
    done = run_import(api, settings, sessions, body)
    assert done["counts"]["created"] == 5
    assert count(sessions, ImportChunk) == len(body) // 7 + 1
    with sessions() as s:
        lines = {c.address_line_1 for c in s.scalars(select(Customer))}
    assert "Flat 3\r\nÉcole Façade ✓" in lines or "Flat 3\nÉcole Façade ✓" in lines


def test_iter_lines_never_needs_the_whole_file():
    text = 'a,b\r\n1,"x\ny"\r\n2,é\r\n'
    data = text.encode("utf-8")
    chunks = (data[i : i + 3] for i in range(0, len(data), 3))
    rows = files.open_rows(chunks, "utf-8-sig", ",")
    assert rows.columns == ["a", "b"]
    assert list(rows) == [(2, ["1", "x\ny"]), (3, ["2", "é"])]


def test_a_windows_1252_file_is_read(api, settings, sessions):
    body = csv_bytes([person(1, **{"Town": "Bront\u00eb"})]).decode().encode("cp1252")
    assert upload(api, body).get_json()["sample_rows"][0]["Town"] == "Bront\u00eb"


def test_semicolon_separated_file(api):
    body = csv_bytes([person(1)]).decode().replace(",", ";").encode()
    resp = upload(api, body).get_json()
    assert resp["columns"] == HEADER


# --- work addresses --------------------------------------------------------------------------


def test_work_addresses_import_creates_then_updates_by_customer_line_1_and_postcode(
    api, settings, sessions, outbox
):
    owner = api.post("/v1/customers", private_customer(email="owner@example.com")).get_json()
    header = ["Customer Email", "Address 1", "Postcode", "Occupier", "Landlord"]
    mapping = dict(
        zip(
            header,
            ["customer_email", "address_line_1", "postcode", "occupier_surname", "landlord_surname"],
            strict=True,
        )
    )
    rows = [
        ["owner@example.com", "1 Flat Road", "LS2 2AA", "", "Lord"],
        ["owner@example.com", "2 Flat Road", "LS2 2AA", "Tenant", ""],
        ["OWNER@example.com", "1 flat road", "ls22aa", "", ""],  # same as row 2
        ["nobody@example.com", "3 Flat Road", "LS2 2AA", "", ""],
        ["owner@example.com", "", "LS2 2AA", "", ""],
    ]
    done = run_import(api, settings, sessions, csv_bytes(rows, header), mapping, kind="work_addresses")
    assert done["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "refused": 2, "duplicates": 1}
    assert [(i["row"], i["kind"], i["field"]) for i in issues(api, done["id"])] == [
        (4, "duplicate", None),
        (5, "error", "customer_email"),
        (6, "error", "address_line_1"),
    ]
    listed = api.get(f"/v1/customers/{owner['id']}/work-addresses").get_json()
    occupiers = {w["address"]["line_1"]: w["occupier"]["surname"] for w in listed}
    assert occupiers == {"1 Flat Road": "Occupier", "2 Flat Road": "Tenant"}
    assert len(outbox("work_address.created")) == 2

    again = run_import(
        api,
        settings,
        sessions,
        csv_bytes([["owner@example.com", "1 Flat Road", "LS2 2AA", "Newman", ""]], header),
        mapping,
        kind="work_addresses",
    )
    assert again["counts"]["updated"] == 1 and again["counts"]["created"] == 0
    assert count(sessions, WorkAddress) == 2
    [event] = outbox("work_address.updated")
    assert event["data"]["occupier"]["surname"] == "Newman"

    # a site without a postcode is found again by customer and line 1
    for occupier, expected in (("First", "created"), ("Second", "updated")):
        done = run_import(
            api,
            settings,
            sessions,
            csv_bytes([["owner@example.com", "9 Lane End", "", occupier, ""]], header),
            mapping,
            kind="work_addresses",
        )
        assert done["counts"][expected] == 1, done["counts"]
    assert count(sessions, WorkAddress) == 3


def test_work_address_rows_are_checked_by_the_schema_and_written_set_based(api, settings, sessions, outbox):
    """Clean rows take the fast path; the others get the schema's own messages; a repeat in a later
    batch is still a duplicate; a dormant customer's new site is dormant; the event is the
    catalogue's; a dry run writes nothing."""
    owner = api.post("/v1/customers", private_customer(email="owner@example.com")).get_json()
    sleeper = api.post("/v1/customers", private_customer(email="sleeper@example.com")).get_json()
    with sessions() as s:
        s.get(Customer, sleeper["id"]).status = "dormant"
        s.commit()
    header = ["Customer", "Owner Email", "Address 1", "Postcode", "Occupier Email", "Landlord"]
    mapping = dict(
        zip(
            header,
            [
                "customer_id",
                "customer_email",
                "address_line_1",
                "postcode",
                "occupier_email",
                "landlord_surname",
            ],
            strict=True,
        )
    )
    rows = [
        [owner["id"], "", "1 Mill Lane", "ls2 2aa", "", "Lord"],  # 2: created
        ["", "sleeper@example.com", "1 Mill Lane", "LS2 2AA", "a@example.com", ""],  # 3: created, dormant
        [owner["id"], "", "x" * 201, "LS2 2AA", "", ""],  # 4: too long
        [owner["id"], "", "2 Mill Lane", "LS2 2AA", "not an email", ""],  # 5: bad email
        ["not-a-uuid", "", "3 Mill Lane", "LS2 2AA", "", ""],  # 6: bad id
        [owner["id"], "", "4 Mill Lane", "LS2 2AA", "", "", "extra"],  # 7: too wide
        [owner["id"], "", "5 Mill Lane", "", "", ""],  # 8: created, no postcode
        [owner["id"], "", "1 MILL LANE", "LS22AA", "", ""],  # 9: same as row 2, in a later batch
    ]
    body = csv_bytes(rows, header)
    dry = run_import(api, settings, sessions, body, mapping, kind="work_addresses", dry_run=True)
    assert dry["counts"] == {"created": 3, "updated": 0, "unchanged": 0, "refused": 4, "duplicates": 1}
    assert count(sessions, WorkAddress) == 0 and not outbox("work_address.created")

    done = run_import(
        api, settings.with_(import_site_batch_size=3), sessions, body, mapping, kind="work_addresses"
    )
    assert done["counts"] == dry["counts"]
    found = [(i["row"], i["kind"], i["field"], i["reason"]) for i in issues(api, done["id"])]
    assert found == [
        (4, "error", "address_line_1", "Longer than maximum length 200."),
        (5, "error", "occupier_email", "Not a valid email address."),
        (6, "error", "customer_id", "Not a valid customer id."),
        (7, "error", None, "The row has 7 values but the header names 6 columns."),
        (9, "duplicate", None, "Same customer, address line 1 and postcode as row 2."),
    ]
    events = {
        (e["data"]["customer_id"], e["data"]["address"]["line_1"]): e for e in outbox("work_address.created")
    }
    assert len(events) == 3
    first = events[(owner["id"], "1 Mill Lane")]
    assert first["data"] == {
        "id": first["subject"],
        "customer_id": owner["id"],
        "version": 1,
        "name": None,
        "address": {
            "line_1": "1 Mill Lane",
            "line_2": None,
            "line_3": None,
            "town": None,
            "county": None,
            "postcode": "LS2 2AA",
        },
        "status": "active",
        "landlord": {"surname": "Lord"},
        "occupier": {"surname": "Occupier"},
        "communication_preferences": {"email": True, "sms": True, "letter": True, "phone": True},
    }
    assert first["correlationid"] == done["id"]
    assert events[(sleeper["id"], "1 Mill Lane")]["data"]["status"] == "dormant"
    assert events[(sleeper["id"], "1 Mill Lane")]["data"]["occupier"] == {
        "email": "a@example.com",
        "surname": "Occupier",
    }
    listed = api.get(f"/v1/customers/{owner['id']}/work-addresses").get_json()
    assert {(w["address"]["line_1"], w["address"]["postcode"], w["version"]) for w in listed} == {
        ("1 Mill Lane", "LS2 2AA", 1),
        ("5 Mill Lane", None, 1),
    }


# --- the job ------------------------------------------------------------------------------


def test_an_unreadable_file_fails_the_import_with_a_reason(api, settings, sessions):
    import_id = upload(api, csv_bytes([person(1)])).get_json()["id"]
    api.post(f"/v1/imports/{import_id}/mapping", {"mapping": MAPPING})
    with sessions() as s:
        s.query(ImportChunk).delete()
        s.commit()
    assert run_next(sessions, settings) == "failed"
    body = api.get(f"/v1/imports/{import_id}").get_json()
    assert body["status"] == "failed" and "missing" in body["error"]


def test_a_stopped_worker_hands_the_import_back_and_the_next_resumes_it(api, small_batches, sessions):
    import threading

    rows = [person(i) for i in range(10)]
    rows[8] = person(1)  # a duplicate of row 3, found only if the resumed run remembers rows 2–7
    import_id = upload(api, csv_bytes(rows)).get_json()["id"]
    api.post(f"/v1/imports/{import_id}/mapping", {"mapping": MAPPING})
    stop = threading.Event()
    stop.set()  # stop after the first batch
    assert run_next(sessions, small_batches, stop) == "queued"
    assert api.get(f"/v1/imports/{import_id}").get_json()["progress"]["processed_rows"] == 3
    assert run_next(sessions, small_batches) == "completed"
    done = api.get(f"/v1/imports/{import_id}").get_json()
    assert done["counts"]["created"] == 9 and done["counts"]["duplicates"] == 1
    assert count(sessions, Customer) == 9


def test_a_batch_that_meets_a_deadlock_runs_again_and_the_import_completes(
    api, small_batches, sessions, outbox, monkeypatch
):
    """A deadlock (here the consumer writing accounts refs to the same customers) rolls the batch
    back; it runs again with the file's keys as they were, so no row is a duplicate of itself."""
    from sqlalchemy.exc import OperationalError

    from customers.imports import job, rows

    class Deadlock(Exception):
        sqlstate = "40P01"

    monkeypatch.setattr(job.time, "sleep", lambda seconds: None)
    real_existing = rows.CustomerRows._existing
    calls = {"n": 0}

    def existing_deadlocking_once(self, uow, parsed):
        calls["n"] += 1
        found = real_existing(self, uow, parsed)
        if calls["n"] == 2:  # the second batch, after its rows' keys were read
            raise OperationalError("SELECT … FOR UPDATE", {}, Deadlock("deadlock detected"))
        return found

    monkeypatch.setattr(rows.CustomerRows, "_existing", existing_deadlocking_once)
    rows_in = [person(i) for i in range(7)]
    rows_in[5] = person(5, **{"E-mail": "john0@example.com", "Sage Ref": "X5"})  # a duplicate of row 2
    done = run_import(api, small_batches, sessions, csv_bytes(rows_in))
    assert calls["n"] == 4  # three batches of 3, the second tried twice
    assert done["status"] == "completed"
    assert done["counts"] == {"created": 6, "updated": 0, "unchanged": 0, "refused": 0, "duplicates": 1}
    assert [(i["row"], i["kind"]) for i in issues(api, done["id"])] == [(7, "duplicate")]
    assert len(outbox("customer.created")) == 6
