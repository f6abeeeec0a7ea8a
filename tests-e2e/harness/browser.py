"""Debian's headless Chromium driven by Playwright, as the console's browser tests use it (never
`playwright install`: /usr/bin/chromium comes from `make install`)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.api import expect

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"  # git-ignored; docs/screenshots keeps copies
PASSWORD = "a long demo password"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium(playwright_api) -> Iterator:
    """A launched browser (closed afterwards); fails the test when Chromium is missing."""
    if not Path(CHROMIUM).exists():
        raise AssertionError(f"{CHROMIUM} is missing: `make install` installs Debian's chromium")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_user(tenant, role: str, password: str = PASSWORD) -> str:
    """A person of `role` in the tenant, made by its admin key: their email."""
    email = f"{role}-{secrets.token_hex(4)}@office.example"
    body = {"email": email, "name": f"{role.capitalize()} Person", "role": role, "password": password}
    expect(tenant.admin.post("/v1/users", json=body), 201)
    return email


def logged_in(browser, console: str, email: str, password: str = PASSWORD):
    """A new browser context logged in to the console as `email`: (context, page on the list)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{console}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/console/customers"))
    return context, page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def reload_until(page, locator_fn, timeout: float = 60.0) -> None:
    """Reload until `locator_fn(page)` is visible: billing learns of a customer from its events."""
    deadline = time.monotonic() + timeout
    while True:
        if locator_fn(page).count() and locator_fn(page).first.is_visible():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not shown within {timeout} s: {page.url}")
        time.sleep(0.5)
        page.reload()
