"""What the console's screen tests share: a console app signed in as a role (`admin`, `readonly`)
against a gateway played by `responses` at GW, the customer it shows, and readers of what the
console sent; and a console no one is signed in to (`client`). Each test file registers its own
gateway answers (its `gateway` fixture)."""

from __future__ import annotations

import json

import pytest

from console.app import create_app
from console.settings import Settings

GW = "http://gateway.test"
CID = "11111111-1111-4111-8111-111111111111"
WID = "22222222-2222-4222-8222-222222222222"
AID = "33333333-3333-4333-8333-333333333333"
CUSTOMER = {
    "id": CID,
    "display_name": "Ada Lovelace",
    "status": "active",
    "type": "private",
    "blocked": False,
}


def signed_in(role: str):
    """A test client of a console whose session holds a user of `role`."""
    app = create_app(Settings(gateway_url=GW, secret_key="test-" * 8, testing=True))
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own tests (test_console_pages.py)
    client = app.test_client()
    with client.session_transaction() as s:
        s["token"] = "fs_test"
        s["user"] = {"email": f"{role}@office.example", "name": role.title(), "role": role, "tenant_id": "t"}
    return client


@pytest.fixture
def client():
    """A console no one is signed in to, for the pages that answer without the gateway."""
    # nothing listens at the gateway URL: these pages must answer without calling it
    app = create_app(Settings(gateway_url="http://127.0.0.1:9", secret_key="test-" * 8, testing=True))
    return app.test_client()


@pytest.fixture
def admin():
    return signed_in("admin")


@pytest.fixture
def readonly():
    return signed_in("readonly")


def requests_sent(gateway, method: str, path: str) -> list:
    """The requests the console sent to the gateway with `method` to `path` (query aside)."""
    return [
        c.request
        for c in gateway.calls
        if c.request.method == method and c.request.url.split("?")[0] == GW + path
    ]


def refuses_as_invalid(gateway, path: str, errors: dict[str, list[str]], **problem: str) -> None:
    """The gateway answers a POST to `path` as the API answers invalid input: 422, a problem
    naming each field's errors (`problem`: more of its members)."""
    gateway.post(
        GW + path,
        status=422,
        json={**problem, "detail": "Invalid input.", "errors": errors},
        content_type="application/problem+json",
    )


def json_body(request) -> dict:
    return json.loads(request.body)
