"""The overview fans out to every service and degrades one section, not the page."""

from __future__ import annotations

import socket
import time

CUSTOMER = "0b0c5f0e-8a37-4c55-9f55-3a7d0a1e2f10"


def test_overview_answers_with_each_section_and_marks_dead_services_unavailable(gw, fake_services):
    started = time.monotonic()
    resp = gw.client.get(f"/v1/customers/{CUSTOMER}/overview", headers=gw.auth("readonly"))
    assert resp.status_code == 200
    assert time.monotonic() - started < 3
    body = resp.get_json()
    assert body["details"]["status"] == "ok"
    assert body["details"]["customer"]["path"] == f"/v1/customers/{CUSTOMER}"
    assert body["ledger"]["status"] == "ok"
    # the fake billing echoes an object where a list is due: that section says so, the page stands
    assert body["recent"] == {"service": "billing", "status": "unavailable", "reason": "unexpected answer"}
    assert (
        body["assets"]["status"] == body["notes"]["status"] == body["accounting"]["status"] == "unavailable"
    )
    assert body["complete"] is False
    assert body["unavailable"] == ["accounting-sync", "assets", "billing", "comms"]
    billing_paths = sorted(c["path"] for c in fake_services["billing"].calls)
    assert billing_paths == [
        f"/v1/customers/{CUSTOMER}/{p}" for p in ("account", "invoices", "jobs", "quotes")
    ]
    # the services heard the key's tenant, never a client's
    assert fake_services["billing"].last["headers"]["X-Tenant-Id"] == gw.tenant_id
    assert fake_services["billing"].last["headers"]["X-Internal-Token"] == "test-internal-token"


def test_overview_with_billing_down_still_answers_and_the_breaker_opens(make_gateway, fake_services):
    gw = make_gateway()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    gw.settings.upstream_urls["billing"] = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    for _ in range(3):
        resp = gw.client.get(f"/v1/customers/{CUSTOMER}/overview", headers=gw.auth("admin"))
        assert resp.status_code == 200
        body = resp.get_json()
        assert body["ledger"]["status"] == "unavailable" and body["recent"]["status"] == "unavailable"
        assert "billing" in body["unavailable"] and body["details"]["status"] == "ok"
    breaker = gw.app.extensions["fieldbook_gateway"].proxy.breakers["billing"]
    assert breaker.is_open


def test_overview_needs_a_key(gw):
    assert gw.client.get(f"/v1/customers/{CUSTOMER}/overview").status_code == 401
