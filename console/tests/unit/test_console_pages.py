"""The console's own rules, without a gateway: who must log in, CSRF, the cookie's flags."""

from __future__ import annotations

import re


def test_every_page_but_the_login_sends_a_stranger_to_the_login(client):
    for path in ("/console/", "/console/customers", "/console/customers/abc?tab=work"):
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"].startswith("/console/login"), path


def test_a_post_without_the_csrf_token_is_refused(client):
    r = client.post("/console/login", data={"email": "a@b.example", "password": "x" * 12})
    assert r.status_code == 400 and "could not be checked" in r.text


def test_the_login_page_labels_its_fields_and_sets_a_httponly_lax_cookie(client):
    r = client.get("/console/login")
    assert '<label for="email">' in r.text and '<label for="password">' in r.text
    assert re.search(r'name="csrf_token" value="[^"]+"', r.text)
    cookie = r.headers["Set-Cookie"]
    assert "fb_console=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/console" in cookie and "Secure" not in cookie


def test_over_https_the_cookie_is_secure(client):
    r = client.get("/console/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in r.headers["Set-Cookie"]


def test_htmx_is_served_from_the_package(client):
    r = client.get("/console/static/htmx.min.js")
    assert r.status_code == 200 and b"htmx" in r.data[:2000]
