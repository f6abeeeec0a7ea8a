"""People beyond the password, through the gateway and in the console (Debian's headless Chromium):
a person sets up a TOTP second factor and logs in with a code; an admin invites someone by email
(read from the suite's SMTP server, sent by comms) who chooses a password with the link, once; log
out everywhere ends every session at once; what a person does is recorded as `user:<email>`.
"""

from __future__ import annotations

import re
import secrets
import time
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
import requests

from harness.api import assert_problem, create_customer, expect, private_customer
from harness.polling import eventually

playwright_api = pytest.importorskip("playwright.sync_api")
expect_page = playwright_api.expect

PASSWORD = "a long people password"


def new_user(tenant, role: str) -> str:
    email = f"{role}-{secrets.token_hex(4)}@people.example"
    body = {"email": email, "name": f"{role.capitalize()} Person", "role": role, "password": PASSWORD}
    expect(tenant.admin.post("/v1/users", json=body), 201)
    return email


def log_in(system, email: str, password: str = PASSWORD, **more) -> requests.Response:
    return requests.post(
        f"{system.gateway_url}/v1/sessions", json={"email": email, "password": password, **more}, timeout=30
    )


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def fresh_code(secret: str, used: set[str]) -> str:
    """A code the gateway has not seen: each is accepted once, so wait for the next time step."""
    totp = pyotp.TOTP(secret)
    code = totp.now()
    while code in used:
        time.sleep(1)
        code = totp.now()
    used.add(code)
    return code


def browser_login(browser, console: str, email: str, password: str = PASSWORD):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{console}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    return context, page


def test_a_person_sets_up_a_second_factor_and_then_logs_in_with_a_code(browser, console, tenant, system):
    email = new_user(tenant, "sales")
    context, page = browser_login(browser, console, email)
    page.wait_for_url(re.compile(r"/console/customers"))
    page.get_by_role("link", name=re.compile("Sales Person")).click()
    expect_page(page.locator("#second-factor")).to_have_text("Off")
    page.get_by_role("button", name="Set up a second factor").click()
    secret = page.locator("#totp-secret").inner_text()
    assert page.locator("#totp-uri").inner_text().startswith("otpauth://totp/Fieldbook:")
    page.get_by_label("Code from the app").fill(
        "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    )
    page.get_by_role("button", name="Turn on").click()
    expect_page(page.locator("#totp-error")).to_contain_text("wrong")
    used: set[str] = set()
    page.get_by_label("Code from the app").fill(fresh_code(secret, used))
    page.get_by_role("button", name="Turn on").click()
    expect_page(page.locator("#account-done")).to_be_visible()
    expect_page(page.locator("#second-factor")).to_have_text("On")
    context.close()

    # the password alone opens no session now: the code page asks for the code
    context, page = browser_login(browser, console, email)
    page.wait_for_url(re.compile(r"/console/login/code"))
    page.get_by_label("Code").fill("12345x")
    page.get_by_role("button", name="Log in").click()
    expect_page(page.locator("#code-error")).to_contain_text("wrong")
    page.get_by_label("Code").fill(fresh_code(secret, used))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/console/customers"))
    context.close()

    # over HTTP: the challenge, the wrong code counted toward the lock
    r = expect(log_in(system, email), 202).json()
    assert r["second_factor"] == "totp" and "token" not in r
    second = f"{system.gateway_url}/v1/sessions/second-factor"
    for _ in range(5):  # (the browser's wrong code no longer counts: a right one came after it)
        assert_problem(
            requests.post(second, json={"challenge": r["challenge"], "code": "000000x"}, timeout=30), 401
        )
    locked = requests.post(
        second, json={"challenge": r["challenge"], "code": fresh_code(secret, used)}, timeout=30
    )
    assert assert_problem(locked, 401)["locked"] is True and int(locked.headers["Retry-After"]) > 0

    # the admin resets it (and lifts the lock): the password alone works again
    user = next(u for u in expect(tenant.admin.get("/v1/users"), 200).json() if u["email"] == email)
    assert user["second_factor"] is True and user["locked"] is True
    assert expect(tenant.admin.delete(f"/v1/users/{user['id']}/second-factor"), 204)
    expect(tenant.admin.patch(f"/v1/users/{user['id']}", json={"unlock": True}), 200)
    assert expect(log_in(system, email), 201).json()["user"]["second_factor"] is False


def invitation_link(smtp, address: str) -> str:
    def arrived():
        messages = smtp.messages_to(address)
        return messages[-1] if messages else None

    message = eventually(arrived, timeout=60, interval=0.5, message=f"the invitation to {address}")
    body = message.get_body(preferencelist=("plain",)).get_content()
    return next(word for word in body.split() if "/console/invitation?token=" in word)


def test_an_invited_person_chooses_a_password_with_the_link_once(browser, console, tenant, system, smtp):
    admin = new_user(tenant, "admin")
    invitee = f"new-{secrets.token_hex(4)}@invited.example"
    context, page = browser_login(browser, console, admin)
    page.wait_for_url(re.compile(r"/console/customers"))
    page.get_by_role("link", name="People").click()
    page.get_by_label("Email").fill(invitee)
    page.get_by_label("Name").fill("Nina New")
    page.get_by_label("Role").select_option("engineer")
    page.get_by_role("button", name="Send the invitation").click()
    expect_page(page.locator("#people-message")).to_contain_text(f"Invitation sent to {invitee}")
    expect_page(page.locator("#invitations")).to_contain_text(invitee)
    context.close()

    link = invitation_link(smtp, invitee)
    assert link.startswith(f"{system.gateway_url}/console/invitation?token=fi_")
    listed = expect(tenant.admin.get("/v1/invitations"), 200).json()
    assert [(i["email"], i["role"], i["invited_by"]) for i in listed] == [
        (invitee, "engineer", f"user:{admin}")
    ]

    context = browser.new_context()
    page = context.new_page()
    page.goto(link)
    page.get_by_label("Password").fill("short")
    page.locator("#password").evaluate("e => e.removeAttribute('minlength')")  # the API's own check
    page.get_by_role("button", name="Set my password").click()
    expect_page(page.locator("#password-error")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    page.wait_for_url(re.compile(r"/console/login"))
    expect_page(page.locator("#login-welcome")).to_be_visible()
    expect_page(page.get_by_label("Email")).to_have_value(invitee)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/console/customers"))
    expect_page(page.get_by_role("link", name=re.compile("Nina New"))).to_contain_text("engineer")
    context.close()

    # the link works once
    token = parse_qs(urlparse(link).query)["token"][0]
    again = requests.post(
        f"{system.gateway_url}/v1/invitations/acceptance",
        json={"token": token, "password": PASSWORD},
        timeout=30,
    )
    assert "accepted already" in assert_problem(again, 410)["detail"]
    assert expect(tenant.admin.get("/v1/invitations"), 200).json()[0]["status"] == "accepted"


def test_log_out_everywhere_ends_every_session_and_changes_carry_the_user(browser, console, tenant, system):
    email = new_user(tenant, "admin")
    tokens = [expect(log_in(system, email), 201).json()["token"] for _ in range(2)]
    api = f"{system.gateway_url}/v1"

    # what the person does is recorded as the person, not as a key
    customer = create_customer(tenant.admin, private_customer())
    url = f"{api}/customers/{customer['id']}"
    expect(
        requests.post(f"{url}/block", json={"reason": "Unpaid"}, headers=bearer(tokens[0]), timeout=30), 200
    )
    unblocked = requests.post(
        f"{url}/unblock", json={"reason": "Paid"}, headers=bearer(tokens[0]), timeout=30
    )
    assert expect(unblocked, 200).json()["unblocked_by"] == f"user:{email}"

    # the console's "Log out everywhere" ends the browser's session and the two API sessions
    context, page = browser_login(browser, console, email)
    page.wait_for_url(re.compile(r"/console/customers"))
    page.get_by_role("button", name="Log out everywhere").click()
    page.wait_for_url(re.compile(r"/console/login"))
    for token in tokens:
        assert_problem(requests.get(f"{api}/customers", headers=bearer(token), timeout=30), 401)
    page.goto(f"{console}/customers")
    page.wait_for_url(re.compile(r"/console/login"))
    context.close()

    # an admin logs someone else out everywhere: over the API, then from the people page
    other = new_user(tenant, "sales")
    token = expect(log_in(system, other), 201).json()["token"]
    user = next(u for u in expect(tenant.admin.get("/v1/users"), 200).json() if u["email"] == other)
    assert expect(tenant.admin.delete(f"/v1/users/{user['id']}/sessions"), 200).json() == {"ended": 1}
    assert_problem(requests.get(f"{api}/customers", headers=bearer(token), timeout=30), 401)
    token = expect(log_in(system, other), 201).json()["token"]
    context, page = browser_login(browser, console, email)
    page.wait_for_url(re.compile(r"/console/customers"))
    page.get_by_role("link", name="People").click()
    page.get_by_role("button", name="Log Sales Person out everywhere").click()
    expect_page(page.locator("#people-message")).to_have_text("1 session(s) ended.")
    assert_problem(requests.get(f"{api}/customers", headers=bearer(token), timeout=30), 401)
    context.close()
