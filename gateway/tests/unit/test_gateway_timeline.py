"""The timeline: the services' entries merged newest first, page by page without gap or repeat;
the filters reach the services that hold the kinds; a service down costs its kinds, not the page."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask, Response, request
from werkzeug.serving import make_server

from fieldbook_shared.timeline import decode_cursor, encode_cursor, entry_key, iso
from gateway.routing import TIMELINE_KINDS

CUSTOMER = "0b0c5f0e-8a37-4c55-9f55-3a7d0a1e2f10"
SITE = "5e5f8a5a-ac59-4e77-9b77-5c9f2c3a4b99"
START = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _entry(kind: str, n: int, seconds: int) -> dict:
    return {
        "kind": kind,
        "id": str(uuid.UUID(int=n)),
        "occurred_at": iso(START + timedelta(seconds=seconds)),
        "title": f"{kind} {n}",
        "summary": None,
        "work_address_id": SITE if n % 2 else None,
        "status": None,
        "amount": None,
        "links": {"self": f"/v1/{kind}/{n}"},
    }


class TimelineService:
    """A service's internal timeline route over fixed entries, answering as the kit's does."""

    def __init__(self, name: str, entries: list[dict]):
        self.entries = sorted(entries, key=entry_key, reverse=True)
        self.calls: list[dict] = []
        app = Flask(name)

        @app.get("/internal/customers/<customer_id>/timeline-entries")
        def entries_route(customer_id):
            args = request.args
            self.calls.append({"args": args.to_dict(flat=False), "headers": dict(request.headers)})
            rows = self.entries
            if args.get("before"):
                before = decode_cursor(args["before"])
                rows = [e for e in rows if entry_key(e) < before]
            if args.getlist("kind"):
                rows = [e for e in rows if e["kind"] in args.getlist("kind")]
            if args.get("work_address_id"):
                rows = [e for e in rows if e["work_address_id"] == args["work_address_id"]]
            body = {"entries": rows[: int(args["limit"])]}
            return Response(json.dumps(body), 200, mimetype="application/json")

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def services():
    # few distinct seconds: the order across services rests on kind and id as often as on time
    made = {
        "billing": TimelineService(
            "billing", [_entry(k, n, n % 4) for n, k in enumerate(["invoice", "quote", "payment"] * 4)]
        ),
        "comms": TimelineService("comms", [_entry("note", 100 + n, n % 3) for n in range(5)]),
        "assets": TimelineService("assets", [_entry("asset_change", 200 + n, n % 2) for n in range(3)]),
        "files": TimelineService("files", [_entry("file", 300 + n, n % 3) for n in range(2)]),
        "servicing": TimelineService(
            "servicing", [_entry(k, 400 + n, n % 3) for n, k in enumerate(["contract", "service_reminder"])]
        ),
    }
    yield made
    for service in made.values():
        service.server.shutdown()


@pytest.fixture
def timeline_gw(make_gateway, services):
    return make_gateway(upstreams={name: service.url for name, service in services.items()})


def _dead(gw) -> str:
    """Where nothing listens: accounting-sync's address in these tests (it has no timeline)."""
    return gw.settings.upstream_urls["accounting-sync"]


def _get(gw, role="admin", **query):
    return gw.client.get(f"/v1/customers/{CUSTOMER}/timeline", query_string=query, headers=gw.auth(role))


def _all(services) -> list[dict]:
    return sorted((e for s in services.values() for e in s.entries), key=entry_key, reverse=True)


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 100])
def test_paging_lists_every_entry_once_newest_first(timeline_gw, services, limit):
    seen, cursor = [], None
    for _ in range(40):
        resp = _get(timeline_gw, limit=limit, **({"cursor": cursor} if cursor else {}))
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        assert body["complete"] is True and body["unavailable"] == [] and body["customer_id"] == CUSTOMER
        assert len(body["entries"]) <= limit
        seen.extend(body["entries"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [e["id"] for e in seen] == [e["id"] for e in _all(services)]
    assert services["billing"].calls[0]["args"]["limit"] == [str(limit + 1)]
    assert services["billing"].calls[0]["headers"]["X-Tenant-Id"] == timeline_gw.tenant_id
    assert "X-RateLimit-Limit" in resp.headers


def test_filters_ask_only_the_services_that_hold_the_kinds(timeline_gw, services):
    body = _get(timeline_gw, kind=["note", "quote"], work_address_id=SITE.upper()).get_json()
    assert {e["kind"] for e in body["entries"]} == {"note", "quote"}
    assert {e["work_address_id"] for e in body["entries"]} == {SITE}
    assert services["billing"].calls[-1]["args"]["kind"] == ["quote"]
    assert services["billing"].calls[-1]["args"]["work_address_id"] == [SITE]
    assert services["assets"].calls == []  # none of its kinds asked for
    assert [e["kind"] for e in _get(timeline_gw, kind="asset_change").get_json()["entries"]] == [
        "asset_change"
    ] * 3


def test_a_service_down_costs_its_kinds_not_the_page(timeline_gw, services):
    timeline_gw.settings.upstream_urls["billing"] = _dead(timeline_gw)
    body = _get(timeline_gw).get_json()
    assert body["complete"] is False
    assert body["unavailable"] == [
        {
            "service": "billing",
            "kinds": list(TIMELINE_KINDS["billing"]),
            "reason": "unavailable",
        }
    ]
    others = [e for e in _all(services) if e["kind"] not in TIMELINE_KINDS["billing"]]
    assert [e["id"] for e in body["entries"]] == [e["id"] for e in others]
    assert _get(timeline_gw, kind="note").get_json()["complete"] is True  # billing not needed


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"kind": "boiler"}, "kind"),
        ({"work_address_id": "nope"}, "work_address_id"),
        ({"page": "2"}, "page"),
    ],
)
def test_a_bad_query_is_a_422_naming_the_field(timeline_gw, services, query, field):
    resp = _get(timeline_gw, **query)
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    assert list(resp.get_json()["errors"]) == [field]
    assert services["billing"].calls == []


def test_without_customers_there_is_no_timeline(timeline_gw):
    gw = timeline_gw
    gw.settings.upstream_urls["customers"] = _dead(gw)
    assert _get(gw).status_code == 503
    assert gw.client.post(f"/v1/customers/{CUSTOMER}/timeline", headers=gw.auth("admin")).status_code == 405
    assert gw.client.get("/v1/customers/not-a-uuid/timeline", headers=gw.auth("admin")).status_code == 404
    assert gw.client.get(f"/v1/customers/{CUSTOMER}/timeline").status_code == 401


def test_a_cursor_is_opaque_and_round_trips():
    key = (START, "invoice", str(uuid.UUID(int=3)))
    assert decode_cursor(encode_cursor(key)) == key
