"""Work addresses (add, edit with If-Match), contracts (plan, term, what they cover), a next
service date set by hand, files on a work address / asset / job, the mass email's postcode and
account manager filters, and the import's required fields — against a gateway played by
`responses`: what each page sends and how it shows the API's answers."""

from __future__ import annotations

import io
import re

import pytest
import responses

from conftest import AID, CID, CUSTOMER, GW, WID, json_body, refuses_as_invalid, requests_sent

JID = "44444444-4444-4444-8444-444444444444"
RID = "55555555-5555-4555-8555-555555555555"
PLAN = "66666666-6666-4666-8666-666666666666"
WORK_ADDRESS = {
    "id": WID,
    "customer_id": CID,
    "name": "Flat 1",
    "address": {"line_1": "1 Mill Lane", "town": "Leeds", "postcode": "LS1 1AA"},
    "occupier": {"first_name": "Tom", "surname": "Tenant"},
    "landlord": None,
}
ASSET = {
    "id": AID,
    "customer_id": CID,
    "brand": "Worcester",
    "description": "Boiler",
    "serial_number": "GB-1",
}
PROBLEM = "application/problem+json"


@pytest.fixture
def gateway():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(f"{GW}/v1/customers/{CID}", json=CUSTOMER)
        rsps.get(f"{GW}/v1/customers/{CID}/work-addresses", json=[WORK_ADDRESS])
        rsps.get(f"{GW}/v1/customers/{CID}/assets", json=[ASSET])
        rsps.get(f"{GW}/v1/asset-catalogue/groups", json=[])
        yield rsps


def _files(gateway, *rows):
    gateway.get(f"{GW}/v1/customers/{CID}/files", json=list(rows))


def _file(owner: str, owner_id: str, name: str) -> dict:
    return {
        "id": f"f-{name}",
        "filename": name,
        "attached_to": owner,
        "owner_id": owner_id,
        "media_type": "application/pdf",
        "size_bytes": 2048,
    }


# ----------------------------------------------------------------------------- work addresses


def test_the_work_addresses_tab_offers_add_and_edit_to_writers_only(gateway, admin, readonly):
    _files(gateway)
    page = admin.get(f"/console/customers/{CID}?tab=addresses")
    assert page.status_code == 200
    assert "1 Mill Lane" in page.text and "Tom Tenant" in page.text
    assert 'id="add-work-address"' in page.text
    assert f"/console/customers/{CID}/work-addresses/{WID}/edit" in page.text
    seen = readonly.get(f"/console/customers/{CID}?tab=addresses").text
    assert 'id="add-work-address"' not in seen and "/edit" not in seen and "Attach a file" not in seen
    assert readonly.get(f"/console/customers/{CID}/work-addresses/{WID}/edit").status_code == 403


def test_a_work_address_without_its_first_line_shows_the_error_beside_the_field(gateway, admin):
    refuses_as_invalid(
        gateway,
        f"/v1/customers/{CID}/work-addresses",
        {"address.line_1": ["Missing data for required field."]},
    )
    form = admin.get(f"/console/customers/{CID}/work-addresses/new")
    assert (
        '<label for="f-address-line-1">Address line 1 <span aria-hidden="true">*</span></label>' in form.text
    )
    page = admin.post(
        f"/console/customers/{CID}/work-addresses/new",
        data={"name": "Flat 2", "address.postcode": "LS1 2BB", "occupier.surname": "Lodger"},
    )
    assert page.status_code == 422
    assert (
        '<span class="field-error" id="f-address-line-1-error">Missing data for required field.</span>'
        in page.text
    )
    assert 'value="LS1 2BB"' in page.text  # what was typed stays
    sent = json_body(requests_sent(gateway, "POST", f"/v1/customers/{CID}/work-addresses")[0])
    assert sent["name"] == "Flat 2" and sent["address"]["postcode"] == "LS1 2BB"
    assert sent["address"]["line_1"] is None
    assert sent["occupier"] == {"first_name": None, "surname": "Lodger", "email": None, "phone": None}


def test_a_work_address_edit_sends_its_etag_and_a_stale_one_is_the_conflict(gateway, admin):
    path = f"/v1/customers/{CID}/work-addresses/{WID}"
    gateway.get(GW + path, json=WORK_ADDRESS, headers={"ETag": '"4"'})
    form = admin.get(f"/console/customers/{CID}/work-addresses/{WID}/edit")
    assert 'name="etag" value="&#34;4&#34;"' in form.text
    assert 'value="1 Mill Lane"' in form.text and 'value="Tenant"' in form.text
    assert "Delete" not in form.text  # the API has no delete for a work address
    gateway.patch(GW + path, status=412, json={"detail": "stale"}, content_type=PROBLEM)
    page = admin.post(
        f"/console/customers/{CID}/work-addresses/{WID}/edit",
        data={
            "etag": '"4"',
            "name": "Flat 1a",
            "address.line_1": "1 Mill Lane",
            "address.postcode": "LS1 1AA",
        },
    )
    assert page.status_code == 412
    assert "changed by someone else" in page.text and "Reload" in page.text
    sent = requests_sent(gateway, "PATCH", path)[0]
    assert sent.headers["If-Match"] == '"4"' and json_body(sent)["name"] == "Flat 1a"


def test_a_saved_work_address_goes_back_to_the_tab(gateway, admin):
    path = f"/v1/customers/{CID}/work-addresses/{WID}"
    gateway.patch(GW + path, json=WORK_ADDRESS, headers={"ETag": '"5"'})
    r = admin.post(
        f"/console/customers/{CID}/work-addresses/{WID}/edit",
        data={"etag": '"4"', "address.line_1": "2 Mill Lane", "address.postcode": "LS1 1AA"},
    )
    assert (
        r.status_code == 302 and "tab=addresses" in r.headers["Location"] and "saved" in r.headers["Location"]
    )


# ------------------------------------------------------------------------------------ files


def test_work_address_and_asset_rows_show_their_files(gateway, admin):
    _files(gateway, _file("work_address", WID, "gas-cert.pdf"), _file("asset", AID, "manual.pdf"))
    addresses = admin.get(f"/console/customers/{CID}?tab=addresses").text
    assert "gas-cert.pdf" in addresses and "Files (1)" in addresses
    assert f"/console/customers/{CID}/work-addresses/{WID}/files" in addresses
    assets = admin.get(f"/console/customers/{CID}?tab=assets").text
    assert "manual.pdf" in assets and f"/console/customers/{CID}/assets/{AID}/files" in assets
    asked = [c.request.url for c in gateway.calls if "/files" in c.request.url]
    assert any("attached_to=work_address" in u for u in asked) and any(
        "attached_to=asset" in u for u in asked
    )


def test_a_jobs_files_are_on_the_work_tab(gateway, admin):
    for path in ("quotes", "invoices", "payments"):
        gateway.get(f"{GW}/v1/customers/{CID}/{path}", json=[])
    gateway.get(f"{GW}/v1/customers/{CID}/jobs", json=[{"id": JID, "number": "J-7", "status": "open"}])
    gateway.get(f"{GW}/v1/customers/{CID}/account", status=404, json={})
    _files(gateway, _file("job", JID, "photo.png"))
    page = admin.get(f"/console/customers/{CID}?tab=work").text
    assert "photo.png" in page and f"/console/customers/{CID}/jobs/{JID}/files" in page


def test_a_file_is_uploaded_to_its_asset_and_listed_on_the_assets_page(gateway, admin, readonly):
    gateway.get(f"{GW}/v1/assets/{AID}", json=ASSET)
    gateway.get(f"{GW}/v1/assets/{AID}/files", json=[_file("asset", AID, "manual.pdf")])
    gateway.post(f"{GW}/v1/assets/{AID}/files", status=201, json={"id": "f2"})
    page = admin.get(f"/console/customers/{CID}/assets/{AID}/files")
    assert page.status_code == 200
    assert "Files on the asset Worcester Boiler GB-1" in page.text and "manual.pdf" in page.text
    assert '<label for="owner-upload-file">' in page.text
    r = admin.post(
        f"/console/customers/{CID}/assets/{AID}/files",
        data={"file": (io.BytesIO(b"%PDF-1.4 x"), "service.pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302 and "service.pdf+uploaded" in r.headers["Location"]
    sent = requests_sent(gateway, "POST", f"/v1/assets/{AID}/files")[0]
    assert b'filename="service.pdf"' in sent.body
    seen = readonly.get(f"/console/customers/{CID}/assets/{AID}/files").text
    assert "manual.pdf" in seen and "owner-upload-file" not in seen and "Delete" not in seen


def test_files_of_another_customers_asset_or_an_unknown_kind_are_not_shown(gateway, admin):
    gateway.get(f"{GW}/v1/assets/{AID}", json={**ASSET, "customer_id": "someone-else"})
    assert admin.get(f"/console/customers/{CID}/assets/{AID}/files").status_code == 404
    assert admin.get(f"/console/customers/{CID}/invoices/{AID}/files").status_code == 404


def test_deleting_a_work_addresses_file_goes_back_to_its_page(gateway, admin):
    gateway.delete(f"{GW}/v1/files/f-x", status=204)
    r = admin.post(f"/console/customers/{CID}/work-addresses/{WID}/files/f-x/delete")
    assert r.status_code == 302
    assert f"/console/customers/{CID}/work-addresses/{WID}/files" in r.headers["Location"]


# -------------------------------------------------------------------------------- servicing


def _servicing(gateway, reminders=(), contracts=()):
    gateway.get(f"{GW}/v1/service-reminders", json=list(reminders))
    gateway.get(f"{GW}/v1/customers/{CID}/contracts", json=list(contracts))
    gateway.get(
        f"{GW}/v1/service-plans",
        json=[{"id": PLAN, "name": "Gold cover", "price": "180.00", "billing_frequency": "annually"}],
    )


def test_a_contract_is_made_with_its_plan_term_and_what_it_covers(gateway, admin):
    _servicing(gateway)
    gateway.post(f"{GW}/v1/customers/{CID}/contracts", status=201, json={"id": "c1"})
    form = admin.get(f"/console/customers/{CID}/contracts/new")
    assert form.status_code == 200
    assert f'<option value="{PLAN}" >Gold cover — £180.00 annually</option>' in form.text
    assert "<legend>Work addresses covered</legend>" in form.text and "Flat 1" in form.text
    assert "Worcester Boiler (GB-1)" in form.text
    r = admin.post(
        f"/console/customers/{CID}/contracts/new",
        data={
            "plan_id": PLAN,
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "auto_renew": "1",
            "work_address_ids": [WID],
            "asset_ids": [AID],
        },
    )
    assert r.status_code == 302 and "Contract+added" in r.headers["Location"]
    assert json_body(requests_sent(gateway, "POST", f"/v1/customers/{CID}/contracts")[0]) == {
        "plan_id": PLAN,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "auto_renew": True,
        "work_address_ids": [WID],
        "asset_ids": [AID],
    }


def test_a_contract_without_a_plan_shows_the_error_beside_it_and_keeps_the_choices(gateway, admin):
    _servicing(gateway)
    refuses_as_invalid(gateway, f"/v1/customers/{CID}/contracts", {"plan_id": ["Field may not be null."]})
    page = admin.post(
        f"/console/customers/{CID}/contracts/new",
        data={"plan_id": "", "start_date": "2026-01-01", "end_date": "2026-12-31", "asset_ids": [AID]},
    )
    assert page.status_code == 422
    assert '<span class="field-error" id="f-plan-id-error">Field may not be null.</span>' in page.text
    assert re.search(rf'value="{AID}" checked', page.text)


def test_a_next_service_date_is_set_by_hand_with_the_reminders_etag(gateway, admin, readonly):
    reminder = {"id": RID, "asset_id": AID, "status": "due", "due_date": "2026-05-01", "version": 3}
    _servicing(gateway, reminders=[reminder])
    tab = admin.get(f"/console/customers/{CID}?tab=servicing").text
    assert 'id="add-contract"' in tab
    assert f'<label for="due-date-{RID}" class="sr-only">Next service date for Worcester Boiler (GB-1)' in tab
    assert 'name="etag" value=\'"3"\'' in tab
    seen = readonly.get(f"/console/customers/{CID}?tab=servicing").text
    assert f"due-date-{RID}" not in seen and 'id="add-contract"' not in seen

    gateway.patch(f"{GW}/v1/service-reminders/{RID}", json=reminder)
    r = admin.post(
        f"/console/customers/{CID}/service-reminders/{RID}/due-date",
        data={"due_date": "2026-07-01", "etag": '"3"'},
    )
    assert r.status_code == 302 and "2026-07-01" in r.headers["Location"]
    sent = requests_sent(gateway, "PATCH", f"/v1/service-reminders/{RID}")[0]
    assert sent.headers["If-Match"] == '"3"' and json_body(sent) == {"due_date": "2026-07-01"}


def test_a_stale_next_service_date_is_the_conflict_and_blank_goes_back_to_the_interval(gateway, admin):
    gateway.patch(
        f"{GW}/v1/service-reminders/{RID}", status=412, json={"detail": "stale"}, content_type=PROBLEM
    )
    r = admin.post(
        f"/console/customers/{CID}/service-reminders/{RID}/due-date", data={"due_date": "", "etag": '"2"'}
    )
    assert r.status_code == 302 and "changed+by+someone+else" in r.headers["Location"]
    assert json_body(requests_sent(gateway, "PATCH", f"/v1/service-reminders/{RID}")[0]) == {"due_date": None}


# ------------------------------------------------------------------------------- mass email


def test_mass_email_filters_by_postcode_and_account_manager(gateway, admin):
    gateway.get(f"{GW}/v1/email-templates", json=[])
    gateway.get(f"{GW}/v1/mailing-lists", json=[])
    gateway.get(f"{GW}/v1/customers", json=[{"id": CID}])
    gateway.post(f"{GW}/v1/mass-emails/preview", json=[{"customer_id": CID, "status": "send"}])
    form = admin.get("/console/mass-email").text
    assert '<label for="postcode">Postcode starts with</label>' in form
    assert '<label for="account-manager">Account manager</label>' in form
    assert '<option value="dormant"' in form and "inactive" not in form
    page = admin.post(
        "/console/mass-email",
        data={
            "postcode": "LS1",
            "account_manager": "Jo Bloggs",
            "status": "active",
            "action": "preview",
            "subject": "Hi",
            "body": "Hello",
        },
    )
    assert page.status_code == 200
    asked = [c.request.url for c in gateway.calls if c.request.url.split("?")[0] == f"{GW}/v1/customers"][0]
    assert "postcode=LS1" in asked and "account_manager=Jo+Bloggs" in asked and "status=active" in asked
    assert 'value="LS1"' in page.text


# ----------------------------------------------------------------------------------- import


def test_the_import_says_which_fields_every_row_needs_from_the_api(gateway, admin):
    job = {
        "id": "i1",
        "kind": "customers",
        "status": "uploaded",
        "columns": ["Street", "Last Name"],
        "sample_rows": [],
        "fields": ["surname", "address_line_1", "postcode", "town"],
        "required_fields": [["address_line_1"], ["postcode"]],
        "suggested_mapping": {"Street": "address_line_1"},
    }
    gateway.get(f"{GW}/v1/imports/i1", json=job)
    gateway.get(
        f"{GW}/v1/customer-types",
        json=[
            {"name": "private", "label": "Private customer", "required_fields": ["surname"]},
            {"name": "company", "label": "Company", "required_fields": ["company_name", "address.town"]},
            {"name": "other", "label": "Other", "required_fields": []},
        ],
    )
    page = admin.get("/console/imports/i1").text
    needs = page[page.index('id="required-fields"') :]
    assert "<strong>address line 1</strong>, <strong>postcode</strong>" in needs
    assert "Private customer: <strong>surname</strong>" in needs
    assert "Company: <strong>company name, town</strong>" in needs and "Other:" not in needs
    assert '<option value="address_line_1" selected>address line 1 (needed)</option>' in page
    assert '<option value="town" >town</option>' in page


def test_a_work_address_import_names_the_alternatives_of_a_group(gateway, admin):
    job = {
        "id": "i2",
        "kind": "work_addresses",
        "status": "uploaded",
        "columns": ["Account"],
        "fields": ["customer_accounts_ref", "customer_email", "address_line_1"],
        "required_fields": [["customer_accounts_ref", "customer_email"], ["address_line_1"]],
    }
    gateway.get(f"{GW}/v1/imports/i2", json=job)
    page = admin.get("/console/imports/i2").text
    assert "<strong>customer accounts ref or customer email</strong>, <strong>address line 1</strong>" in page
    assert not requests_sent(gateway, "GET", "/v1/customer-types")
