"""The console's further screens in a real browser (Debian's headless Chromium, Playwright) against
the running system through the gateway's /console (console/README.md): an asset added on a work
address, the servicing tab showing its next service, a file uploaded, listed and downloaded, a
mass email previewed with its skipped count and sent, a CSV import dry run then run; a readonly
person sees none of their buttons and a forged upload is refused.

Screenshots land in tests-e2e/artifacts/ (git-ignored); docs/screenshots/ keeps copies.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest

from harness.api import create_customer, expect, private_customer, unique
from harness.browser import logged_in, new_user, reload_until, shot
from harness.polling import eventually

playwright_api = pytest.importorskip("playwright.sync_api")
expect_ui = playwright_api.expect


def _work_address(client, customer_id: str, name: str) -> str:
    body = {
        "name": name,
        "address": {"line_1": unique("4 Canal Street "), "town": "Leeds", "postcode": "LS1 4DL"},
    }
    return expect(client.post(f"/v1/customers/{customer_id}/work-addresses", json=body), 201).json()["id"]


def test_an_asset_on_a_work_address_then_its_service_on_the_servicing_tab(browser, console, tenant):
    group = expect(
        tenant.admin.post("/v1/asset-catalogue/groups", json={"name": unique("Gas boiler ")}), 201
    ).json()
    expect(tenant.admin.put(f"/v1/service-intervals/asset-groups/{group['id']}", json={"months": 12}), 201)
    cid = create_customer(tenant.admin, private_customer(surname="Boiler"))["id"]
    _work_address(tenant.admin, cid, "Flat 2")
    context, page = logged_in(browser, console, new_user(tenant, "sales"))

    page.goto(f"{console}/customers/{cid}?tab=addresses")
    page.get_by_role("link", name="Add an asset at Flat 2").click()
    expect_ui(page.get_by_label("Work address")).to_have_value(re.compile(r".+"))  # the address it came from
    serial = unique("GB-")
    page.get_by_label("Brand").fill("Worcester")
    page.get_by_label("Description").fill("Greenstar 30i")
    page.get_by_label("Serial number").fill(serial)
    page.get_by_label("Asset group").select_option(label=group["name"])
    page.get_by_label("Install date").fill("2026-01-15")
    page.get_by_role("button", name="Add asset").focus()  # by keyboard: a real button
    page.keyboard.press("Enter")
    expect_ui(page.get_by_role("status")).to_have_text("Asset added.")
    row = page.locator("#assets tr", has_text=serial)
    expect_ui(row).to_contain_text("Flat 2")
    expect_ui(row).to_contain_text(group["name"])
    shot(page, "assets-tab")

    # a serial number already in use: the API's refusal shown on the form, what was typed kept
    page.get_by_role("link", name="Add an asset").click()
    page.get_by_label("Serial number").fill(serial)
    page.get_by_role("button", name="Add asset").click()
    expect_ui(page.locator("#form-message")).to_be_visible()
    expect_ui(page.get_by_label("Serial number")).to_have_value(serial)

    # servicing hears of the asset from its event: its next service is due twelve months on
    page.goto(f"{console}/customers/{cid}?tab=servicing")
    reload_until(page, lambda p: p.locator("#reminders tr", has_text=serial))
    reminder = page.locator("#reminders tr", has_text=serial)
    expect_ui(reminder).to_contain_text("2027-01-15")
    expect_ui(reminder).to_contain_text("every 12 months")
    # a next service date set by hand (with the reminder's ETag as the tab showed it)
    reminder.get_by_label("Next service date for").fill("2027-02-01")
    reminder.get_by_role("button", name="Set date").click()
    expect_ui(page.get_by_role("status")).to_have_text("Next service date set to 2027-02-01.")
    reminder = page.locator("#reminders tr", has_text=serial)
    expect_ui(reminder).to_contain_text("2027-02-01")
    reminder.get_by_label("Decision").select_option("postpone")
    reminder.get_by_label("Date (book: the job's; postpone: the new service date)").fill("2027-03-01")
    reminder.get_by_label("Reason (to postpone or cancel)").fill("Tenant away")
    reminder.get_by_role("button", name="Decide").click()
    expect_ui(page.get_by_role("status")).to_have_text("Service postponed.")
    expect_ui(page.locator("#reminders tr", has_text=serial)).to_contain_text("postponed")
    shot(page, "servicing-tab")

    # the timeline merges the services' entries: the asset's change is there
    page.goto(f"{console}/customers/{cid}?tab=timeline")
    reload_until(page, lambda p: p.locator("#timeline li", has_text="asset change"))
    context.close()


def test_a_work_address_added_and_edited_its_conflict_its_files_and_a_contract(browser, console, tenant):
    plan = expect(
        tenant.admin.post(
            "/v1/service-plans",
            json={
                "name": unique("Gold cover "),
                "price": "180.00",
                "billing_frequency": "yearly",
                "visits_per_year": 1,
            },
        ),
        201,
    ).json()
    cid = create_customer(tenant.admin, private_customer(surname="Landlady"))["id"]
    context, page = logged_in(browser, console, new_user(tenant, "sales"))
    name = unique("Flat ")

    # added: the first line missing is shown beside its field, what was typed kept
    page.goto(f"{console}/customers/{cid}?tab=addresses")
    page.get_by_role("link", name="Add a work address").click()
    page.get_by_label("Name (e.g. Flat 2, Head office)").fill(name)
    page.get_by_label("Postcode").fill("LS2 7EY")
    page.get_by_role("button", name="Add work address").click()
    expect_ui(page.locator("#f-address-line-1-error")).to_be_visible()
    expect_ui(page.get_by_label("Address line 1")).to_have_attribute("aria-invalid", "true")
    expect_ui(page.get_by_label("Postcode")).to_have_value("LS2 7EY")
    page.get_by_label("Address line 1").fill("9 Park Row")
    page.get_by_label("Occupier's surname").fill("Tenant")
    page.get_by_role("button", name="Add work address").click()
    expect_ui(page.get_by_role("status")).to_have_text("Work address added.")
    row = page.locator("#work-addresses tr", has_text=name)
    expect_ui(row).to_contain_text("9 Park Row")
    expect_ui(row).to_contain_text("Tenant")

    # edited while someone else changed it: the conflict, then saved after a reload
    row.get_by_role("link", name=f"Edit {name}").click()
    wid = re.search(r"/work-addresses/([^/]+)/edit", page.url).group(1)
    path = f"/v1/customers/{cid}/work-addresses/{wid}"
    etag = expect(tenant.admin.get(path), 200).headers["ETag"]
    expect(tenant.admin.patch(path, json={"name": name + " (let)"}, headers={"If-Match": etag}), 200)
    page.get_by_label("Town").fill("Leeds")
    page.get_by_role("button", name="Save").click()
    expect_ui(page.locator("#form-message")).to_contain_text("changed by someone else")
    page.locator("#form-message").get_by_role("link", name="Reload").click()
    expect_ui(page.get_by_label("Name (e.g. Flat 2, Head office)")).to_have_value(name + " (let)")
    page.get_by_label("Town").fill("Leeds")
    page.get_by_role("button", name="Save").click()
    expect_ui(page.get_by_role("status")).to_have_text("Work address saved.")
    expect_ui(page.locator("#work-addresses tr", has_text=name)).to_contain_text("Leeds")

    # a file attached to the work address: on its page and on its row
    page.locator("#work-addresses tr", has_text=name).get_by_role("link", name="Attach a file").click()
    file_name = f"gas-cert-{secrets.token_hex(3)}.pdf"
    page.get_by_label("File (PDF, image, office document, text or CSV)").set_input_files(
        files=[{"name": file_name, "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}]
    )
    page.get_by_role("button", name="Upload").click()
    expect_ui(page.get_by_role("status")).to_have_text(f"{file_name} uploaded.")
    expect_ui(page.locator("#owner-files")).to_contain_text(file_name)
    page.get_by_role("link", name="Back to").click()
    expect_ui(page.locator("#work-addresses tr", has_text=name)).to_contain_text(file_name)

    # a contract on a plan covering the work address
    page.goto(f"{console}/customers/{cid}?tab=servicing")
    page.get_by_role("link", name="Add a contract").click()
    page.get_by_label("Service plan").select_option(plan["id"])
    page.get_by_label(name).check()
    page.get_by_role("button", name="Add contract").click()
    expect_ui(page.get_by_role("status")).to_have_text("Contract added.")
    expect_ui(page.locator("#contracts tr", has_text=plan["name"])).to_contain_text(
        "1 work addresses, 0 assets"
    )
    context.close()


def test_a_file_uploaded_is_listed_downloaded_and_deleted(browser, console, tenant, tmp_path):
    cid = create_customer(tenant.admin, private_customer(surname="Papers"))["id"]
    context, page = logged_in(browser, console, new_user(tenant, "sales"))
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    name = f"gas-safety-{secrets.token_hex(3)}.pdf"

    page.goto(f"{console}/customers/{cid}?tab=files")
    page.get_by_label("File (PDF, image, office document, text or CSV)").set_input_files(
        files=[{"name": name, "mimeType": "application/pdf", "buffer": pdf}]
    )
    page.get_by_role("button", name="Upload").click()
    expect_ui(page.get_by_role("status")).to_have_text(f"{name} uploaded.")
    link = page.locator("#files").get_by_role("link", name=name)
    expect_ui(link).to_be_visible()
    expect_ui(page.locator("#files")).to_contain_text("application/pdf")
    shot(page, "files-tab")
    with page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_bytes() == pdf
    files = expect(tenant.admin.get(f"/v1/customers/{cid}/files"), 200).json()
    assert [f["filename"] for f in files] == [name]

    page.get_by_role("button", name=f"Delete {name}").click()
    expect_ui(page.get_by_role("status")).to_have_text("File deleted.")
    expect_ui(page.locator("#files")).to_contain_text("No files yet.")
    context.close()


def test_a_mass_email_shows_who_is_skipped_before_it_is_sent(browser, console, tenant, smtp):
    surname = f"Mailshot{secrets.token_hex(3)}"
    address = f"{surname.lower()}@example.com"
    manager = unique("Jo ")
    create_customer(tenant.admin, private_customer(surname=surname, email=address, account_manager=manager))
    create_customer(
        tenant.admin,
        private_customer(surname=surname, first_name="Nomail", email=None, account_manager=manager),
    )
    # the same name in another postcode and with another account manager: the filters leave it out
    other = private_customer(surname=surname, first_name="Elsewhere", email=f"x{address}")
    create_customer(tenant.admin, {**other, "address": {"line_1": "2 Quay St", "postcode": "M3 3JE"}})
    context, page = logged_in(browser, console, new_user(tenant, "sales"))

    page.get_by_role("link", name="Mass email").click()
    page.get_by_label("Search").fill(surname)
    page.get_by_label("Postcode starts with").fill("LS1")
    page.get_by_label("Account manager").fill(manager)
    page.get_by_label("Automated send: skip dormant customers").uncheck()
    page.get_by_label("Subject").fill("Spring boiler check")
    page.get_by_label("Message").fill("Dear {{first_name}}, your boiler is due a check.")

    def previewed():
        # comms learns of new customers from their events: preview again until it knows both
        page.get_by_role("button", name="Preview recipients").click()
        expect_ui(page.locator("#unknown-count")).to_be_visible()
        return page.locator("#unknown-count").inner_text() == "0"

    eventually(previewed, timeout=60, interval=1)
    expect_ui(page.locator("#send-count")).to_have_text("1")
    expect_ui(page.locator("#skipped-count")).to_have_text("1")
    expect_ui(page.locator("#preview")).to_contain_text("Nomail")
    shot(page, "mass-email-preview")

    page.get_by_role("button", name="Send to 1 customer").click()
    expect_ui(page.locator("#job-status")).to_have_text("completed", timeout=60_000)
    expect_ui(page.locator("#job-sent")).to_have_text("1")
    expect_ui(page.locator("#job-skipped")).to_have_text("1")
    assert eventually(lambda: [m for m in smtp.messages_to(address) if "Spring boiler check" in m["Subject"]])
    context.close()


def test_a_csv_import_dry_run_then_the_import(browser, console, tenant):
    surname = f"Imported{secrets.token_hex(3)}"
    csv = (
        "First Name,Last Name,Address,Post Code,E-mail\n"
        f"Ada,{surname},1 Mill Lane,LS1 1AA,ada@{surname.lower()}.example\n"
        f"Bob,{surname},2 Mill Lane,LS2 2BB,bob@{surname.lower()}.example\n"
        "Cy,,3 Mill Lane,LS3 3CC,cy@example.com\n"
    ).encode()
    context, page = logged_in(browser, console, new_user(tenant, "admin"))

    page.get_by_role("link", name="CSV import").click()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": csv}]
    )
    page.get_by_role("button", name="Upload").click()
    expect_ui(page.get_by_role("heading", level=1)).to_contain_text("people.csv")
    page.get_by_label("First Name").select_option("first_name")
    page.get_by_label("Last Name").select_option("surname")
    page.get_by_label("Address", exact=True).select_option("address_line_1")
    page.get_by_label("Post Code").select_option("postcode")
    page.get_by_label("E-mail").select_option("email")

    page.get_by_role("button", name="Dry run").click()
    expect_ui(page.locator("#import-status")).to_have_text("completed", timeout=60_000)
    expect_ui(page.locator("#count-created")).to_have_text("2")
    expect_ui(page.locator("#count-refused")).to_have_text("1")
    expect_ui(page.locator("#import-issues")).to_contain_text("4")  # the spreadsheet's row of Cy
    shot(page, "csv-import-dry-run")
    assert (
        expect(tenant.admin.get("/v1/customers", params={"q": surname}), 200).json() == []
    )  # nothing written

    page.get_by_role("button", name="Import", exact=True).click()
    expect_ui(page.locator("#import-result")).to_contain_text("Import: completed", timeout=60_000)
    expect_ui(page.locator("#count-created")).to_have_text("2")
    found = expect(tenant.admin.get("/v1/customers", params={"q": surname}), 200).json()
    assert sorted(c["display_name"] for c in found) == [f"Ada {surname}", f"Bob {surname}"]
    context.close()


def test_a_readonly_person_sees_no_buttons_on_the_new_screens_and_a_forged_upload_is_refused(
    browser, console, tenant
):
    cid = create_customer(tenant.admin, private_customer(surname="Glance"))["id"]
    _work_address(tenant.admin, cid, "Flat 3")
    context, page = logged_in(browser, console, new_user(tenant, "readonly"))
    expect_ui(page.get_by_role("link", name="Mass email")).to_have_count(0)
    expect_ui(page.get_by_role("link", name="CSV import")).to_have_count(0)
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet held upright
    for tab in ("branches", "addresses", "assets", "servicing", "files", "timeline"):
        page.goto(f"{console}/customers/{cid}?tab={tab}")
        expect_ui(page.get_by_role("heading", level=2)).to_be_visible()
        expect_ui(page.locator("main form")).to_have_count(0)
        expect_ui(page.locator("main").get_by_role("link", name=re.compile("^(Add|Edit)"))).to_have_count(0)
        # readable on the tablet: the page itself never scrolls sideways (a wide table scrolls in its card)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), tab

    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    forged = context.request.post(
        f"{console}/customers/{cid}/files",
        multipart={
            "csrf_token": token,
            "file": {"name": "x.txt", "mimeType": "text/plain", "buffer": b"forged"},
        },
    )
    assert forged.status == 403, forged.text()
    assert "may" in forged.text()  # the gateway's refusal says who may
    assert expect(tenant.admin.get(f"/v1/customers/{cid}/files"), 200).json() == []
    forged_page = context.request.get(f"{console}/mass-email")
    assert forged_page.status == 403
    context.close()
