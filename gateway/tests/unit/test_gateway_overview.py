"""The overview fans out to every service and degrades one section, not the page."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass

import pytest
from flask import Flask, Response, request
from werkzeug.serving import make_server

CUSTOMER = "0b0c5f0e-8a37-4c55-9f55-3a7d0a1e2f10"
UNFLAGGED = "1c1d6f1f-9b48-4d66-8a66-4b8e1b2f3a21"
UNKNOWN_TO_COMMS = "2d2e7a2a-ac59-4e77-9b77-5c9f2c3a4b32"


def test_overview_answers_with_each_section_and_marks_dead_services_unavailable(gw, fake_services):
    started = time.monotonic()
    resp = gw.client.get(f"/v1/customers/{CUSTOMER}/overview", headers=gw.auth("admin"))
    assert resp.status_code == 200
    assert time.monotonic() - started < 5  # dead services refuse at once; nothing waits a timeout out
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
    assert body["unavailable"] == ["accounting-sync", "assets", "billing", "comms", "files", "servicing"]
    assert body["files"] == {"service": "files", "status": "unavailable", "reason": "unavailable"}
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


def _overview(gw, role: str, customer_id: str = CUSTOMER) -> dict:
    """The overview as a key of `role` reads it (a 200)."""
    resp = gw.client.get(f"/v1/customers/{customer_id}/overview", headers=gw.auth(role))
    assert resp.status_code == 200
    return resp.get_json()


def _first_page(rows: list, calls: list) -> Response:
    """The first page of `rows` as the services answer it: `page_size` rows, the total in X-Pagination;
    the request's arguments are kept in `calls`."""
    calls.append(dict(request.args))
    page_size = int(request.args.get("page_size", 25))
    resp = Response(json.dumps(rows[:page_size]), 200, mimetype="application/json")
    resp.headers["X-Pagination"] = json.dumps({"total": len(rows), "page": 1})
    return resp


@dataclass
class FakeUpstream:
    upstreams: dict[str, str]  # for make_gateway: the service (the app's name) → the fake's URL
    calls: list


def _serve(app, calls: list):
    """Serve a fake service on a free port for one test: yields it as a FakeUpstream."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield FakeUpstream({app.name: f"http://127.0.0.1:{server.server_port}"}, calls)
    server.shutdown()


@pytest.fixture
def fake_comms():
    """comms with 101 notes on CUSTOMER: one pinned first, the "do not work with again" one the oldest,
    so past the first page of 100; UNFLAGGED has notes but no flag; UNKNOWN_TO_COMMS is a 404."""
    app, calls = Flask("comms"), []

    @app.get("/v1/customers/<customer_id>/notes")
    def notes(customer_id):
        if customer_id == UNKNOWN_TO_COMMS:
            return Response(json.dumps({"status": 404}), 404, mimetype="application/problem+json")
        rows = [{"id": "pinned", "important": True, "pinned": True, "do_not_work_with_again": False}]
        rows += [{"id": f"n{i}", "important": False, "do_not_work_with_again": False} for i in range(100)]
        if customer_id == CUSTOMER:
            rows.append({"id": "oldest", "important": False, "do_not_work_with_again": True})
        if request.args.get("do_not_work_with_again") == "true":
            rows = [n for n in rows if n["do_not_work_with_again"]]
        return _first_page(rows, calls)

    yield from _serve(app, calls)


def test_do_not_work_with_again_shows_even_when_the_flagged_note_is_past_the_first_100(
    make_gateway, fake_comms
):
    gw = make_gateway(upstreams=fake_comms.upstreams)

    def notes_section(customer_id):
        return _overview(gw, "readonly", customer_id)["notes"]

    notes = notes_section(CUSTOMER)
    assert notes["status"] == "ok"
    assert notes["do_not_work_with_again"] is True
    assert [n["id"] for n in notes["pinned"]] == ["pinned"]
    assert {"do_not_work_with_again": "true", "page_size": "1"} in fake_comms.calls

    assert notes_section(UNFLAGGED)["do_not_work_with_again"] is False
    unknown = notes_section(UNKNOWN_TO_COMMS)
    assert (unknown["status"], unknown["do_not_work_with_again"], unknown["pinned"]) == ("ok", False, [])


@pytest.fixture
def fake_accounting():
    """accounting-sync answering the sync status with Sage's error text."""
    app, calls = Flask("accounting-sync"), []

    @app.get("/v1/customers/<customer_id>/accounting")
    def accounting(customer_id):
        calls.append(request.path)
        body = {"status": "failed", "last_error": "Sage said: invalid postcode"}
        return Response(json.dumps(body), 200, mimetype="application/json")

    yield from _serve(app, calls)


@pytest.mark.parametrize("role", ["readonly", "partner", "sales", "engineer"])
def test_overview_hides_the_accounting_section_from_roles_that_may_not_read_it(
    make_gateway, fake_accounting, role
):
    gw = make_gateway(upstreams=fake_accounting.upstreams)
    assert gw.client.get(f"/v1/customers/{CUSTOMER}/accounting", headers=gw.auth(role)).status_code == 403

    resp = gw.client.get(f"/v1/customers/{CUSTOMER}/overview", headers=gw.auth(role))
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["accounting"] == {
        "service": "accounting-sync",
        "status": "forbidden",
        "reason": "this key's role or scopes may not read it",
    }
    assert "Sage said" not in resp.get_data(as_text=True)
    assert fake_accounting.calls == []  # the service is not even asked
    assert "accounting-sync" not in body["unavailable"]


@pytest.mark.parametrize("role", ["admin", "accounts"])
def test_overview_shows_the_accounting_section_to_money_roles(make_gateway, fake_accounting, role):
    gw = make_gateway(upstreams=fake_accounting.upstreams)
    body = _overview(gw, role)
    assert body["accounting"]["status"] == "ok"
    assert body["accounting"]["sync_status"] == "failed"
    assert body["accounting"]["last_error"] == "Sage said: invalid postcode"
    assert fake_accounting.calls == [f"/v1/customers/{CUSTOMER}/accounting"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_overview_is_read_only(gw, fake_services, method):
    resp = gw.client.open(f"/v1/customers/{CUSTOMER}/overview", method=method, headers=gw.auth("admin"))
    assert resp.status_code == 405
    assert resp.mimetype == "application/problem+json"
    assert resp.headers["Allow"] == "GET, HEAD"
    assert fake_services["customers"].calls == [] and fake_services["billing"].calls == []


def test_overview_answers_head(gw, fake_services):
    resp = gw.client.head(f"/v1/customers/{CUSTOMER}/overview", headers=gw.auth("sales"))
    assert resp.status_code == 200
    assert resp.data == b""


@pytest.mark.parametrize(
    "customer_id", ["abc", "abc%3Fx=1%23", "not-a-uuid-0b0c5f0e-8a37-4c55-9f55-3a7d0a1e2f10", "%2e%2e"]
)
def test_overview_of_an_id_that_is_not_a_uuid_is_a_404_without_calls(gw, fake_services, customer_id):
    resp = gw.client.get(f"/v1/customers/{customer_id}/overview", headers=gw.auth("admin"))
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"
    assert fake_services["customers"].calls == [] and fake_services["billing"].calls == []


def test_overview_asks_the_services_with_the_canonical_id(gw, fake_services):
    resp = gw.client.get(f"/v1/customers/{CUSTOMER.upper()}/overview", headers=gw.auth("admin"))
    assert resp.status_code == 200
    assert resp.json["customer_id"] == CUSTOMER
    assert fake_services["customers"].calls[0]["path"] in (
        f"/v1/customers/{CUSTOMER}",
        f"/v1/customers/{CUSTOMER}/contacts",
    )
    assert all(
        CUSTOMER in c["path"] for c in fake_services["customers"].calls + fake_services["billing"].calls
    )


def test_paths_below_the_overview_are_not_the_overview(gw, fake_services):
    resp = gw.client.get(f"/v1/customers/{CUSTOMER}/overview/zzz", headers=gw.auth("admin"))
    assert "complete" not in (resp.get_json(silent=True) or {})
    assert fake_services["customers"].last["path"] == f"/v1/customers/{CUSTOMER}/overview/zzz"
    assert fake_services["billing"].calls == []


@pytest.fixture
def fake_customers():
    """customers with 40 contacts on CUSTOMER, paged as the service pages them (primary first)."""
    app, calls = Flask("customers"), []

    @app.get("/v1/customers/<customer_id>")
    def customer(customer_id):
        return {"id": customer_id, "primary_contact": None}

    @app.get("/v1/customers/<customer_id>/contacts")
    def contacts(customer_id):
        rows = [{"id": "c0", "primary": True}] + [{"id": f"c{i}", "primary": False} for i in range(1, 40)]
        return _first_page(rows, calls)

    yield from _serve(app, calls)


def test_overview_counts_every_contact_from_the_pages_total_and_shows_the_primary(
    make_gateway, fake_customers
):
    gw = make_gateway(upstreams=fake_customers.upstreams)
    details = _overview(gw, "readonly")["details"]
    assert details["contacts"] == 40 and details["primary_contact"]["id"] == "c0"
    assert fake_customers.calls == [{"include_archived": "false", "page_size": "1"}]


@pytest.fixture
def fake_files():
    """files with three files on CUSTOMER's record."""
    app, calls = Flask("files"), []

    @app.get("/v1/customers/<customer_id>/files")
    def files(customer_id):
        return _first_page([{"id": f"f{i}"} for i in range(3)], calls)

    yield from _serve(app, calls)


def test_the_files_section_counts_every_file_on_the_record(make_gateway, fake_files):
    gw = make_gateway(upstreams=fake_files.upstreams)
    assert _overview(gw, "readonly")["files"] == {"service": "files", "status": "ok", "count": 3}
    assert fake_files.calls == [{"page": "1", "page_size": "1"}]


@pytest.fixture
def fake_servicing():
    """servicing with CUSTOMER's reminders (soonest first, a cancelled one first of all) and two
    contracts, one expired and one active."""
    app, calls = Flask("servicing"), []

    @app.get("/v1/service-reminders")
    def reminders():
        rows = [
            {"id": "r0", "status": "cancelled", "due_date": "2027-01-05", "asset_id": "a0"},
            {
                "id": "r1",
                "status": "due",
                "due_date": "2027-02-15",
                "asset_id": "a1",
                "work_address_id": "w1",
            },
            {"id": "r2", "status": "due", "due_date": "2027-06-01", "asset_id": "a2"},
        ]
        return _first_page(rows, calls)

    @app.get("/v1/customers/<customer_id>/contracts")
    def contracts(customer_id):
        rows = [
            {"id": "c1", "plan_name": "Gold", "status": "expired", "end_date": "2026-12-31", "version": 3},
            {"id": "c2", "plan_name": "Gold", "status": "active", "end_date": "2027-12-31", "version": 1},
        ]
        return _first_page(rows, calls)

    yield from _serve(app, calls)


def test_the_servicing_section_shows_the_next_service_due_and_the_contract_status(
    make_gateway, fake_servicing
):
    gw = make_gateway(upstreams=fake_servicing.upstreams)
    section = _overview(gw, "readonly")["servicing"]
    assert (section["status"], section["contract_status"]) == ("ok", "active")
    assert section["next_service_due"] == {
        "due_date": "2027-02-15",
        "status": "due",
        "id": "r1",
        "asset_id": "a1",
        "work_address_id": "w1",
    }
    assert [(c["id"], c["status"]) for c in section["contracts"]] == [("c1", "expired"), ("c2", "active")]
    assert {"customer_id": CUSTOMER, "page_size": "50"} in fake_servicing.calls
