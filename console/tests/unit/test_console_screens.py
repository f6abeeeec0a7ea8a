"""The record's further tabs, mass email and CSV import, against a gateway played by `responses`:
what each page asks the public API, what it sends, and how it shows the API's answers (field
errors beside their fields, a 412 as the conflict, a 403 as the refusal page)."""

from __future__ import annotations

import io
import re

import pytest
import responses
from responses import matchers

from conftest import AID, CID, CUSTOMER, GW, WID, json_body, refuses_as_invalid, requests_sent, signed_in
from console.mass_email import fingerprint


@pytest.fixture
def gateway():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(f"{GW}/v1/customers/{CID}", json=CUSTOMER)
        rsps.get(f"{GW}/v1/customer-types", json=[])  # the import page names what each type needs
        yield rsps


def _work_addresses(gateway):
    gateway.get(
        f"{GW}/v1/customers/{CID}/work-addresses",
        json=[{"id": WID, "name": "Flat 1", "address": {"line_1": "1 Mill Lane", "postcode": "LS1 1AA"}}],
    )
    gateway.get(f"{GW}/v1/asset-catalogue/groups", json=[{"id": "g1", "name": "Gas boiler"}])


# ---------------------------------------------------------------------------------- branches


def test_the_branches_tab_lists_them_and_a_writer_may_add_one(gateway, admin, readonly):
    gateway.get(
        f"{GW}/v1/customers/{CID}/branches",
        json=[
            {
                "id": "b1",
                "name": "Leeds depot",
                "code": "LDS",
                "address": {"line_1": "3 Canal St"},
                "phones": [],
            }
        ],
    )
    page = admin.get(f"/console/customers/{CID}?tab=branches")
    assert page.status_code == 200
    assert "Leeds depot" in page.text and "3 Canal St" in page.text and 'id="add-branch"' in page.text
    assert 'id="add-branch"' not in readonly.get(f"/console/customers/{CID}?tab=branches").text


def test_a_branch_without_its_name_shows_the_apis_error_beside_the_field(gateway, admin):
    refuses_as_invalid(
        gateway, f"/v1/customers/{CID}/branches", {"name": ["Missing data."]}, title="Unprocessable"
    )
    page = admin.post(f"/console/customers/{CID}/branches/new", data={"name": "", "address.town": "Leeds"})
    assert page.status_code == 422
    assert re.search(r'aria-describedby="f-name-error"', page.text)
    assert '<span class="field-error" id="f-name-error">Missing data.</span>' in page.text
    assert 'value="Leeds"' in page.text  # what was typed stays
    sent = json_body(requests_sent(gateway, "POST", f"/v1/customers/{CID}/branches")[0])
    assert sent == {
        "name": "",
        "code": None,
        "address": {"line_1": None, "line_2": None, "town": "Leeds", "county": None, "postcode": None},
    }


# ------------------------------------------------------------------------------------ assets


def test_an_asset_added_on_a_work_address_is_sent_with_it(gateway, admin):
    _work_addresses(gateway)
    gateway.post(f"{GW}/v1/customers/{CID}/assets", status=201, json={"id": AID})
    form = admin.get(f"/console/customers/{CID}/assets/new?work_address_id={WID}")
    assert re.search(rf'<option value="{WID}" selected>Flat 1</option>', form.text)
    assert '<label for="f-serial-number">Serial number</label>' in form.text
    r = admin.post(
        f"/console/customers/{CID}/assets/new",
        data={
            "work_address_id": WID,
            "brand": "Worcester",
            "serial_number": "GB-1",
            "asset_group_id": "g1",
            "install_date": "2026-01-02",
        },
    )
    assert (
        r.status_code == 302
        and "tab=assets" in r.headers["Location"]
        and "Asset+added" in r.headers["Location"]
    )
    sent = json_body(requests_sent(gateway, "POST", f"/v1/customers/{CID}/assets")[0])
    assert (
        sent["work_address_id"] == WID
        and sent["serial_number"] == "GB-1"
        and sent["install_date"] == "2026-01-02"
    )
    assert sent["description"] is None  # a blank input is no value, not an empty string


def test_a_stale_asset_edit_sends_if_match_and_shows_the_conflict(gateway, admin):
    _work_addresses(gateway)
    gateway.get(
        f"{GW}/v1/assets/{AID}",
        json={"id": AID, "customer_id": CID, "brand": "Ideal"},
        headers={"ETag": '"3"'},
    )
    gateway.patch(
        f"{GW}/v1/assets/{AID}",
        status=412,
        json={"title": "Precondition Failed", "detail": "Stale."},
        match=[matchers.header_matcher({"If-Match": '"3"'})],
    )
    form = admin.get(f"/console/customers/{CID}/assets/{AID}/edit")
    assert 'name="etag" value="&#34;3&#34;"' in form.text and 'value="Ideal"' in form.text
    page = admin.post(
        f"/console/customers/{CID}/assets/{AID}/edit", data={"etag": '"3"', "brand": "Vaillant"}
    )
    assert page.status_code == 412
    assert "changed by someone else" in page.text and ">Reload</a>" in page.text


def test_the_edit_form_deletes_with_the_etag_it_was_opened_with(gateway, admin):
    gateway.get(
        f"{GW}/v1/customers/{CID}/branches/b1",
        json={"id": "b1", "name": "Depot", "address": {}},
        headers={"ETag": '"7"'},
    )
    gateway.delete(
        f"{GW}/v1/customers/{CID}/branches/b1",
        status=412,
        json={"detail": "Stale."},
        match=[matchers.header_matcher({"If-Match": '"7"'})],
    )
    gateway.delete(f"{GW}/v1/assets/{AID}", status=204, match=[matchers.header_matcher({"If-Match": '"2"'})])
    form = admin.get(f"/console/customers/{CID}/branches/b1/edit")
    assert f'action="/console/customers/{CID}/branches/b1/delete"' in form.text
    stale = admin.post(f"/console/customers/{CID}/branches/b1/delete", data={"etag": '"7"'})
    assert stale.status_code == 302 and "changed+by+someone+else" in stale.headers["Location"]
    gone = admin.post(f"/console/customers/{CID}/assets/{AID}/delete", data={"etag": '"2"'})
    assert gone.status_code == 302 and "Asset+deleted" in gone.headers["Location"]


def test_readonly_sees_no_asset_buttons_and_a_forged_add_is_refused_before_the_api(gateway, readonly):
    gateway.get(f"{GW}/v1/customers/{CID}/files", json=[])  # the files on its rows
    _work_addresses(gateway)
    gateway.get(
        f"{GW}/v1/customers/{CID}/assets", json=[{"id": AID, "brand": "Ideal", "work_address_id": WID}]
    )
    page = readonly.get(f"/console/customers/{CID}?tab=assets")
    assert "Ideal" in page.text and "Flat 1" in page.text
    assert "Add an asset" not in page.text and "/edit" not in page.text
    forged = readonly.post(f"/console/customers/{CID}/assets/new", data={"brand": "Forged"})
    assert forged.status_code == 403 and "may not change records" in forged.text
    assert requests_sent(gateway, "POST", f"/v1/customers/{CID}/assets") == []


# --------------------------------------------------------------------------------- servicing


def test_the_servicing_tab_shows_what_is_due_and_the_contracts(gateway, admin):
    _work_addresses(gateway)
    gateway.get(
        f"{GW}/v1/customers/{CID}/assets", json=[{"id": AID, "brand": "Worcester", "serial_number": "GB-1"}]
    )
    gateway.get(
        f"{GW}/v1/service-reminders",
        json=[
            {
                "id": "r1",
                "asset_id": AID,
                "work_address_id": WID,
                "status": "due",
                "due_date": "2027-04-12",
                "interval_months": 12,
            }
        ],
        match=[matchers.query_param_matcher({"customer_id": CID, "page_size": "100"})],
    )
    gateway.get(
        f"{GW}/v1/customers/{CID}/contracts",
        json=[
            {
                "id": "c1",
                "plan_name": "Gold cover",
                "status": "active",
                "start_date": "2027-01-01",
                "end_date": "2027-12-31",
                "auto_renew": True,
                "work_address_ids": [WID],
                "asset_ids": [],
            }
        ],
    )
    page = admin.get(f"/console/customers/{CID}?tab=servicing")
    assert page.status_code == 200
    assert "Worcester (GB-1)" in page.text and "2027-04-12" in page.text and "every 12 months" in page.text
    assert "Gold cover" in page.text and "Cancel contract" in page.text and ">Decide</button>" in page.text


def test_a_postponement_is_sent_as_the_apis_decision_and_its_refusal_shown(gateway, admin):
    refuses_as_invalid(gateway, "/v1/service-reminders/decisions", {"reason": ["Required to postpone."]})
    r = admin.post(
        f"/console/customers/{CID}/service-reminders/r1/decision",
        data={"decision": "postpone", "date": "2027-06-01"},
    )
    assert r.status_code == 302 and "tab=servicing" in r.headers["Location"]
    assert "Required+to+postpone" in r.headers["Location"]
    sent = json_body(requests_sent(gateway, "POST", "/v1/service-reminders/decisions")[0])
    assert sent == {"reminder_ids": ["r1"], "decision": "postpone", "date": "2027-06-01", "reason": None}


def test_a_decision_the_gateway_refuses_is_the_refusal_page(gateway):
    engineer = signed_in("engineer")
    gateway.post(
        f"{GW}/v1/service-reminders/decisions",
        status=403,
        json={"title": "Forbidden", "detail": "Only admin keys may POST this."},
        content_type="application/problem+json",
    )
    r = engineer.post(f"/console/customers/{CID}/service-reminders/r1/decision", data={"decision": "book"})
    assert r.status_code == 403 and "Only admin keys may POST this." in r.text


# ------------------------------------------------------------------------------------- files


def test_a_file_is_uploaded_as_the_multipart_part_file(gateway, admin):
    gateway.post(f"{GW}/v1/customers/{CID}/files", status=201, json={"id": "f1"})
    r = admin.post(
        f"/console/customers/{CID}/files",
        data={"file": (io.BytesIO(b"%PDF-1.4 test"), "gas-cert.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302 and "gas-cert.pdf+uploaded" in r.headers["Location"]
    sent = requests_sent(gateway, "POST", f"/v1/customers/{CID}/files")[0]
    assert sent.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="file"; filename="gas-cert.pdf"' in sent.body and b"%PDF-1.4 test" in sent.body


def test_the_files_tab_lists_downloads_and_deletes(gateway, admin):
    gateway.get(
        f"{GW}/v1/customers/{CID}/files",
        json=[
            {
                "id": "f1",
                "filename": "gas-cert.pdf",
                "media_type": "application/pdf",
                "size_bytes": 2048,
                "attached_to": "customer",
            }
        ],
    )
    gateway.get(
        f"{GW}/v1/files/f1/content",
        body=b"%PDF-1.4",
        content_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="gas-cert.pdf"'},
    )
    gateway.delete(f"{GW}/v1/files/f1", status=204)
    page = admin.get(f"/console/customers/{CID}?tab=files")
    assert "gas-cert.pdf" in page.text and "2.0 KB" in page.text and '<label for="upload-file">' in page.text
    download = admin.get(f"/console/customers/{CID}/files/f1")
    assert download.data == b"%PDF-1.4" and download.headers["Content-Disposition"].endswith('"gas-cert.pdf"')
    deleted = admin.post(f"/console/customers/{CID}/files/f1/delete")
    assert deleted.status_code == 302 and "File+deleted" in deleted.headers["Location"]


# ---------------------------------------------------------------------------------- timeline


def test_the_timeline_shows_entries_and_pages_with_the_cursor(gateway, admin):
    gateway.get(
        f"{GW}/v1/customers/{CID}/timeline",
        json={
            "entries": [
                {
                    "kind": "invoice",
                    "id": "i1",
                    "occurred_at": "2026-12-01T10:00:00.000000+00:00",
                    "title": "Invoice INV-1 raised",
                    "amount": "120.00",
                    "links": {},
                }
            ],
            "next_cursor": "abc",
            "complete": False,
            "unavailable": [{"service": "files", "kinds": ["file"], "reason": "timeout"}],
        },
    )
    page = admin.get(f"/console/customers/{CID}?tab=timeline")
    assert "Invoice INV-1 raised" in page.text and "£120.00" in page.text
    assert "cursor=abc" in page.text and "files did not answer" in page.text
    assert requests_sent(gateway, "GET", f"/v1/customers/{CID}/timeline")[0].url.endswith("limit=25")


# -------------------------------------------------------------------------------- mass email


def test_the_mass_email_preview_shows_the_skipped_count_before_sending(gateway, admin):
    gateway.get(f"{GW}/v1/email-templates", json=[{"id": "t1", "name": "Spring offer"}])
    gateway.get(f"{GW}/v1/mailing-lists", json=[])
    gateway.get(f"{GW}/v1/customers", json=[{"id": "a"}, {"id": "b"}, {"id": "c"}])
    gateway.post(
        f"{GW}/v1/mass-emails/preview",
        json=[
            {"customer_id": "a", "status": "send", "to": "a@x.example", "name": "A"},
            {"customer_id": "b", "status": "skipped", "reason": "opted out", "name": "B"},
            {"customer_id": "c", "status": "skipped", "reason": "no email address", "name": "C"},
        ],
    )
    page = admin.post(
        "/console/mass-email",
        data={"action": "preview", "type": "landlord", "template_id": "t1", "automated": "1"},
    )
    assert page.status_code == 200
    assert '<dd id="skipped-count">2</dd>' in page.text and '<dd id="send-count">1</dd>' in page.text
    assert "opted out: 1" in page.text and "Send to 1 customer<" in page.text
    listed = requests_sent(gateway, "GET", "/v1/customers")[0]
    assert "type=landlord" in listed.url and "page_size=100" in listed.url
    assert json_body(requests_sent(gateway, "POST", "/v1/mass-emails/preview")[0]) == {
        "customer_ids": ["a", "b", "c"],
        "automated": True,
    }


def test_sending_the_mass_email_starts_the_job_and_follows_it(gateway, admin):
    gateway.get(f"{GW}/v1/email-templates", json=[])
    gateway.get(f"{GW}/v1/mailing-lists", json=[])
    gateway.get(f"{GW}/v1/customers", json=[{"id": "a"}])
    gateway.post(f"{GW}/v1/mass-emails", status=202, json={"id": "j1"})
    gateway.get(
        f"{GW}/v1/mass-emails/j1",
        json={
            "id": "j1",
            "status": "sending",
            "subject": "Hello",
            "total": 1,
            "sent": 0,
            "skipped": 0,
            "failed": 0,
            "pending": 1,
        },
    )
    previewed = fingerprint({"customer_ids": ["a"]}, automated=False)
    r = admin.post(
        "/console/mass-email",
        data={"action": "send", "previewed": previewed, "subject": "Hello", "body": "Hi {{first_name}}"},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/mass-emails/j1")
    sent = json_body(requests_sent(gateway, "POST", "/v1/mass-emails")[0])
    assert sent == {
        "customer_ids": ["a"],
        "subject": "Hello",
        "body": "Hi {{first_name}}",
        "automated": False,
    }
    progress = admin.get("/console/mass-emails/j1")
    assert 'id="job-status">sending<' in progress.text and 'hx-trigger="every 2s"' in progress.text


def test_a_mass_email_without_a_subject_shows_the_error_beside_it(gateway, admin):
    gateway.get(f"{GW}/v1/email-templates", json=[])
    gateway.get(f"{GW}/v1/mailing-lists", json=[])
    gateway.get(f"{GW}/v1/customers", json=[{"id": "a"}])
    refuses_as_invalid(gateway, "/v1/mass-emails", {"subject": ["Give a template_id or a subject and body."]})
    previewed = fingerprint({"customer_ids": ["a"]}, automated=False)
    page = admin.post("/console/mass-email", data={"action": "send", "previewed": previewed, "body": "Hi"})
    assert page.status_code == 422
    assert (
        'aria-describedby="subject-error"' in page.text
        and 'id="subject-error">Give a template_id' in page.text
    )


def test_a_send_whose_selection_changed_since_the_preview_is_previewed_again(gateway, admin):
    gateway.get(f"{GW}/v1/email-templates", json=[])
    gateway.get(f"{GW}/v1/mailing-lists", json=[])
    gateway.get(f"{GW}/v1/customers", json=[{"id": "a"}, {"id": "b"}])  # b arrived after the preview
    gateway.post(
        f"{GW}/v1/mass-emails/preview",
        json=[
            {"customer_id": "a", "status": "send"},
            {"customer_id": "b", "status": "skipped", "reason": "opted out"},
        ],
    )
    previewed = fingerprint({"customer_ids": ["a"]}, automated=False)
    page = admin.post(
        "/console/mass-email", data={"action": "send", "previewed": previewed, "subject": "Hi", "body": "Hi"}
    )
    assert page.status_code == 200 and "changed since the preview" in page.text
    assert '<dd id="skipped-count">1</dd>' in page.text
    assert requests_sent(gateway, "POST", "/v1/mass-emails") == []
    fresh = fingerprint({"customer_ids": ["a", "b"]}, automated=False)
    assert f'name="previewed" value="{fresh}"' in page.text


# ------------------------------------------------------------------------------------ import

IMPORT = {
    "id": "imp1",
    "kind": "customers",
    "status": "uploaded",
    "filename": "people.csv",
    "columns": ["First Name", "Surname", "Post code"],
    "sample_rows": [{"First Name": "Ada", "Surname": "Lovelace", "Post code": "LS1 1AA"}],
    "suggested_mapping": {"First Name": "first_name", "Surname": "surname", "Post code": None},
    "fields": ["first_name", "surname", "postcode"],
    "mapping": None,
    "dry_run": False,
}


def test_an_uploaded_csv_is_sent_to_the_import_api_and_shown_with_its_suggested_mapping(gateway, admin):
    gateway.post(
        f"{GW}/v1/imports",
        status=201,
        json=IMPORT,
        match=[matchers.query_param_matcher({"kind": "customers"})],
    )
    gateway.get(f"{GW}/v1/imports/imp1", json=IMPORT)
    r = admin.post(
        "/console/imports",
        data={"kind": "customers", "file": (io.BytesIO(b"First Name,Surname\nAda,Lovelace\n"), "people.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/imports/imp1")
    page = admin.get("/console/imports/imp1")
    assert '<label for="column-0">First Name</label>' in page.text
    assert '<option value="first_name" selected>' in page.text and "LS1 1AA" in page.text


def test_a_dry_run_posts_the_mapping_by_column_and_shows_the_refused_rows(gateway, admin):
    done = {
        **IMPORT,
        "status": "completed",
        "dry_run": True,
        "mapping": {"Surname": "surname"},
        "counts": {"created": 4, "updated": 0, "unchanged": 0, "refused": 1, "duplicates": 0},
        "progress": {"total_rows": 5, "processed_rows": 5, "percent": 100},
    }
    gateway.get(f"{GW}/v1/imports/imp1", json=IMPORT)
    gateway.post(f"{GW}/v1/imports/imp1/mapping", status=202, json=done)
    r = admin.post(
        "/console/imports/imp1/mapping",
        data={"column-0": "first_name", "column-1": "surname", "column-2": "", "action": "dry_run"},
    )
    assert r.status_code == 302
    assert json_body(requests_sent(gateway, "POST", "/v1/imports/imp1/mapping")[0]) == {
        "mapping": {"First Name": "first_name", "Surname": "surname", "Post code": None},
        "match_key": None,
        "dry_run": True,
    }
    gateway.replace(responses.GET, f"{GW}/v1/imports/imp1", json=done)
    gateway.get(
        f"{GW}/v1/imports/imp1/errors",
        json=[
            {"row": 3, "kind": "error", "field": "surname", "column": "Surname", "reason": "Missing data."}
        ],
    )
    page = admin.get("/console/imports/imp1")
    assert '<dd id="count-refused">1</dd>' in page.text and "Would be created" in page.text
    assert "<td>3</td><td>error</td><td>Surname</td><td>surname</td><td>Missing data.</td>" in page.text


def test_a_wrong_mapping_shows_the_error_beside_its_column(gateway, admin):
    gateway.get(f"{GW}/v1/imports/imp1", json=IMPORT)
    refuses_as_invalid(
        gateway,
        "/v1/imports/imp1/mapping",
        {"mapping.Surname": ["'first_name' is already mapped from column 'First Name'."]},
    )
    page = admin.post(
        "/console/imports/imp1/mapping",
        data={"column-0": "first_name", "column-1": "first_name", "action": "import"},
    )
    assert page.status_code == 422
    assert 'aria-describedby="column-1-error"' in page.text and "already mapped" in page.text


def test_a_person_who_may_not_import_gets_the_gateways_refusal(gateway):
    gateway.get(
        f"{GW}/v1/imports",
        status=403,
        json={"detail": "Only admin keys may GET /v1/imports."},
        content_type="application/problem+json",
    )
    sales = signed_in("sales")
    page = sales.get("/console/imports")
    assert page.status_code == 403 and "Only admin keys" in page.text
    assert "CSV import</a>" not in page.text  # the menu offers it to admins only
