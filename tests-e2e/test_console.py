"""The office console in a real browser: Debian's headless Chromium driven by Playwright, against
the running system through the gateway's /console (docs/architecture.md §2, console/README.md).

A person logs in, finds and creates a customer (a missing surname is shown beside its field), adds
a contact, raises an invoice, records a payment and allocates it, sees the balance change and
downloads the statement PDF; two people editing one customer (the second gets the conflict); a
readonly person (no edit buttons, a forged POST refused); the lockout; CSRF; the cookie's flags.
Screenshots land in tests-e2e/artifacts/ (git-ignored); docs/screenshots/ keeps copies.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
import requests

from harness.api import create_customer, expect, private_customer
from harness.browser import PASSWORD, logged_in, new_user, reload_until, shot

playwright_api = pytest.importorskip("playwright.sync_api")  # the `browser` fixture: conftest.py


def test_an_office_day_from_login_to_the_statement(browser, console, tenant):
    email = new_user(tenant, "admin")
    context, page = logged_in(browser, console, email)
    surname = f"Console{secrets.token_hex(3)}"

    # create, with the surname forgotten first: the API's field error shown beside the field
    page.get_by_role("link", name="New customer").click()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Address line 1").fill("2 Mill Lane")
    page.get_by_label("Town").fill("Leeds")
    page.get_by_label("Postcode").fill("LS2 7AB")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#surname-error")
    playwright_api.expect(error).to_be_visible()
    assert page.get_by_label("Surname").get_attribute("aria-describedby") == "surname-error"
    page.get_by_label("Surname").fill(surname)
    page.get_by_role("button", name="Save").click()
    playwright_api.expect(page.get_by_role("heading", level=1)).to_contain_text(f"Ada {surname}")
    record_url = page.url.split("?")[0]

    # search as you type (htmx swaps the rows; no page load)
    page.goto(f"{console}/customers")
    page.get_by_label("Search").press_sequentially(surname[:10], delay=30)
    row_link = page.locator("#results").get_by_role("link", name=re.compile(surname))
    playwright_api.expect(row_link).to_be_visible()
    shot(page, "customer-list")

    # a contact
    page.goto(record_url + "?tab=contacts")
    page.get_by_label("First name").fill("Bob")
    page.get_by_label("Surname").fill("Builder")
    page.get_by_role("button", name="Add contact").click()
    playwright_api.expect(page.get_by_role("status")).to_have_text("Contact added.")
    playwright_api.expect(page.get_by_role("cell", name="Bob Builder")).to_be_visible()

    # an invoice of £100 + 20% VAT: the balance is £120.00 once billing has it
    page.goto(record_url + "?tab=work")
    page.get_by_label("Line description").fill("Boiler service")
    page.get_by_label("Unit price (£)").fill("100.00")
    page.get_by_role("button", name="Raise invoice").click()
    playwright_api.expect(page.get_by_role("status")).to_contain_text("raised")
    reload_until(page, lambda p: p.locator("#balance", has_text="£120.00"))

    # a payment, then its allocation to the invoice: the balance goes to £0.00
    page.get_by_label("Amount (£)").fill("120.00")
    page.get_by_label("Reference").fill("BACS 0001")
    page.get_by_role("button", name="Record payment").click()
    playwright_api.expect(page.get_by_role("status")).to_have_text("Payment recorded.")
    page.locator("#payments").get_by_role("button", name="Allocate").click()
    playwright_api.expect(page.get_by_role("status")).to_have_text("Payment allocated.")
    reload_until(page, lambda p: p.locator("#balance", has_text="£0.00"))
    playwright_api.expect(page.locator("#invoices")).to_contain_text("paid")
    page.goto(record_url + "?tab=overview")
    playwright_api.expect(page.locator("#balance")).to_have_text("£0.00")
    shot(page, "customer-record")

    # the statement tab and its PDF
    page.goto(record_url + "?tab=statement")
    shot(page, "statement-tab")
    with page.expect_download() as download_info:
        page.locator("#statement-pdf").click()
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    context.close()

    # the actor of the change is the person, not a key
    cid = record_url.rsplit("/", 1)[-1]
    customer = expect(tenant.admin.get(f"/v1/customers/{cid}"), 200).json()
    assert customer["display_name"].endswith(surname)


def test_a_stale_edit_shows_the_conflict(browser, console, tenant):
    cid = create_customer(tenant.admin, private_customer(surname="Twice", first_name="Ed"))["id"]
    first_ctx, first = logged_in(browser, console, new_user(tenant, "sales"))
    second_ctx, second = logged_in(browser, console, new_user(tenant, "sales"))
    for page in (first, second):
        page.goto(f"{console}/customers/{cid}")
        page.locator("#edit-customer").click()
    first.get_by_label("Phone").fill("0113 496 0001")
    first.get_by_role("button", name="Save").click()
    playwright_api.expect(first.get_by_role("heading", level=1)).to_contain_text("Twice")
    second.get_by_label("First name").fill("Edward")
    second.get_by_role("button", name="Save").click()
    message = second.locator("#form-message")
    playwright_api.expect(message).to_contain_text("changed by someone else")
    playwright_api.expect(message.get_by_role("link", name="Reload")).to_be_visible()
    assert expect(tenant.admin.get(f"/v1/customers/{cid}"), 200).json()["first_name"] == "Ed"
    first_ctx.close()
    second_ctx.close()


def test_a_readonly_person_sees_no_edit_buttons_and_a_forged_post_is_refused(browser, console, tenant):
    cid = create_customer(tenant.admin, private_customer(surname="Looked"))["id"]
    context, page = logged_in(browser, console, new_user(tenant, "readonly"))
    playwright_api.expect(page.get_by_role("link", name="New customer")).to_have_count(0)
    page.goto(f"{console}/customers/{cid}?tab=contacts")
    playwright_api.expect(page.locator("#edit-customer")).to_have_count(0)
    playwright_api.expect(page.get_by_role("button", name="Add contact")).to_have_count(0)
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    forged = context.request.post(
        f"{console}/customers/{cid}/contacts", form={"csrf_token": token, "surname": "Forged"}
    )
    assert forged.status == 403, forged.text()
    contacts = expect(tenant.admin.get(f"/v1/customers/{cid}/contacts"), 200).json()
    assert [c["surname"] for c in contacts] == []
    context.close()


def test_five_wrong_passwords_lock_the_login(browser, console, tenant):
    email = new_user(tenant, "sales")
    context = browser.new_context()
    page = context.new_page()
    for _ in range(5):
        page.goto(f"{console}/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in").click()
        playwright_api.expect(page.locator("#login-error")).to_contain_text("wrong")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    playwright_api.expect(page.locator("#login-error")).to_contain_text("locked")
    assert "/login" in page.url
    context.close()


def test_csrf_token_missing_is_refused_and_the_cookie_is_httponly_samesite(browser, console, tenant):
    email = new_user(tenant, "admin")
    # no token at all (a cross-site form): refused before the password is even checked
    with requests.Session() as http:
        r = http.post(f"{console}/login", data={"email": email, "password": PASSWORD}, timeout=10)
        assert 400 <= r.status_code < 500, r.status_code
        after = http.get(f"{console}/customers", allow_redirects=False, timeout=10)
        assert after.status_code == 302 and "/console/login" in after.headers["Location"]  # not logged in

    context, page = logged_in(browser, console, email)
    cookie = next(c for c in context.cookies() if c["name"] == "fb_console")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # plain HTTP here; over HTTPS it is Secure (below)
    cid = create_customer(tenant.admin, private_customer(surname="Guarded"))["id"]
    missing = context.request.post(f"{console}/customers/{cid}/block", form={"reason": "no token"})
    assert 400 <= missing.status < 500, missing.status
    assert expect(tenant.admin.get(f"/v1/customers/{cid}"), 200).json()["blocked"] is False
    context.close()


def test_the_cookie_is_secure_when_the_console_is_served_over_https(system):
    """Behind TLS the gateway says so (X-Forwarded-Proto: https): the cookie is then Secure."""
    r = requests.get(
        f"{system.console_url}/console/login", headers={"X-Forwarded-Proto": "https"}, timeout=10
    )
    assert r.status_code == 200
    cookie = r.headers.get("Set-Cookie", "")
    assert (
        "fb_console=" in cookie and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    )
