"""`GET /v1/customers/{id}/overview`: the customer's whole record in one call.

The gateway asks every service at once (a thread per call) and waits at most the overview
deadline. Each section carries its own status, so one service down degrades its section, not the
page: the answer is still 200, with `complete: false` and the missing services listed. Calls go
through the same per-upstream circuit breakers as forwarded requests, so a dead service is not
hammered.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import uuid
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from urllib.parse import quote

from flask import Response, g, request

from fieldbook_shared.context import ACTOR_HEADER
from fieldbook_shared.problems import problem_response

from . import roles
from .keys import Principal
from .proxy import correlation_id, unsendable_problem
from .routing import ACCOUNTING, ASSETS, BILLING, COMMS, CUSTOMERS
from .state import Gateway

RECENT = 5
log = logging.getLogger("fieldbook.gateway.overview")
METHODS = ("GET", "HEAD")
# the id segment of /v1/customers/{id}/overview: a UUID as the services' routes take it
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def customer_id_from(path: str) -> str | None:
    """The customer id of an overview path, canonical (lower case), or None when it is not a UUID."""
    segments = path.rstrip("/").split("/")
    if len(segments) != 5 or not _UUID.fullmatch(segments[3]):
        return None
    return str(uuid.UUID(segments[3]))


@dataclass(frozen=True)
class Call:
    name: str
    service: str
    path: str
    params: dict | None = None


def _calls(customer_id: str) -> list[Call]:
    base = f"/v1/customers/{quote(customer_id, safe='')}"
    recent = {"page": 1, "page_size": RECENT}
    return [
        Call("customer", CUSTOMERS, base),
        # primary first: the first row is the primary contact, the page's total the count
        Call("contacts", CUSTOMERS, f"{base}/contacts", {"include_archived": "false", "page_size": 1}),
        Call("accounting", ACCOUNTING, f"{base}/accounting"),
        Call("account", BILLING, f"{base}/account"),
        Call("quotes", BILLING, f"{base}/quotes", recent),
        Call("jobs", BILLING, f"{base}/jobs", recent),
        Call("invoices", BILLING, f"{base}/invoices", recent),
        Call("assets", ASSETS, f"{base}/assets", {"page": 1, "page_size": 1}),
        Call("notes", COMMS, f"{base}/notes", {"page": 1, "page_size": 100}),  # pinned first
        # the flag may sit on any note, however old: ask comms for the flagged ones (the total says)
        Call("flagged_notes", COMMS, f"{base}/notes", {"do_not_work_with_again": "true", "page_size": 1}),
    ]


_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """One pool per process, made after gunicorn forks."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool, _pool_pid = ThreadPoolExecutor(max_workers=32, thread_name_prefix="overview"), os.getpid()
        return _pool


def customer_overview(gw: Gateway, principal: Principal, customer_id: str) -> Response:
    """The overview of `customer_id`, a UUID the caller has checked (`customer_id_from`)."""
    deadline = gw.settings.overview_deadline
    ids = {
        "request_id": g.get("request_id") or "",
        "correlation_id": correlation_id(),
    }
    calls = _calls(customer_id)
    enabled = set(gw.settings.enabled_upstreams)
    # the role table holds here too: a section the key may not read on its own is not fetched
    refused = {call.name for call in calls if not roles.is_allowed(principal.role, "GET", call.path)}
    futures = {
        call.name: _executor().submit(
            gw.proxy.fetch_json,
            call.service,
            principal,
            call.path,
            params=call.params,
            ids=ids,
            timeout=deadline,
        )
        for call in calls
        if call.service in enabled and call.name not in refused
    }
    wait(futures.values(), timeout=deadline, return_when=FIRST_EXCEPTION)
    results: dict[str, tuple[str, int | None, dict, object]] = {}
    for call in calls:
        future = futures.get(call.name)
        if call.name in refused:
            results[call.name] = ("forbidden", None, {}, None)
        elif future is None:
            results[call.name] = ("not_deployed", None, {}, None)
        elif future.done() and future.exception() is None:
            results[call.name] = future.result()
        else:
            results[call.name] = ("timeout", None, {}, None)

    outcome, status, headers, customer = results["customer"]
    if outcome == "forbidden":
        allowed = roles.allowed_roles("GET", f"/v1/customers/{customer_id}")
        return problem_response(403, detail=roles.refusal_detail(allowed, "GET", request.path))
    if outcome == "unsendable":
        return unsendable_problem(ACTOR_HEADER)
    if outcome != "ok":
        return problem_response(503, detail="The customers service is unavailable, so there is no overview.")
    if not isinstance(customer, dict):  # an error page, a list, no JSON at all
        return _unexpected_answer(status, headers)
    if status != 200:  # customers' own problem (404, a merged customer's 410, 403 …): passed on
        return Response(json.dumps(customer), status=status or 502, mimetype="application/problem+json")

    sections = _sections(results, customer)
    unavailable = sorted({s["service"] for s in sections.values() if s["status"] == "unavailable"})
    body = {"customer_id": customer_id, "complete": not unavailable, "unavailable": unavailable, **sections}
    return Response(json.dumps(body, default=str), status=200, mimetype="application/json")


def _unexpected_answer(status: int | None, headers: dict) -> Response:
    log.error(
        "the overview's customer call got %s with %s; answering 502",
        status,
        headers.get("Content-Type") or "no content type",
    )
    return problem_response(502, detail="The customers service gave an unexpected answer.")


def _section(service: str, parts: list[tuple[str, int | None, dict, object]], build) -> dict:
    """A section is ok only when every call behind it answered 2xx (404 counts as 'nothing yet');
    forbidden when the key's role may not read one of its calls (the role table, as for the call itself)."""
    if any(outcome == "forbidden" for outcome, _s, _h, _b in parts):
        return {"service": service, "status": "forbidden", "reason": "this key's role may not read it"}
    for outcome, status, _h, _b in parts:
        if outcome != "ok":
            return {"service": service, "status": "unavailable", "reason": outcome}
        if status is not None and status >= 500:
            return {"service": service, "status": "unavailable", "reason": f"answered {status}"}
    try:
        return {"service": service, "status": "ok", **build()}
    except (KeyError, TypeError, ValueError, AttributeError):
        return {"service": service, "status": "unavailable", "reason": "unexpected answer"}


def _body(result, default):
    outcome, status, _h, body = result
    return body if outcome == "ok" and status is not None and status < 300 else default


def _total(result) -> int:
    _o, _s, headers, body = result
    raw = headers.get("X-Pagination")
    if raw:
        return int(json.loads(raw).get("total", 0))
    return len(body or [])


def _any(result) -> bool:
    """Whether a filtered list has anything: 404 (the customer not heard of yet) says no; any other
    refusal is an unexpected answer (the section says so), never a silent no."""
    _o, status, _h, _b = result
    if status == 404:
        return False
    if status is None or not 200 <= status < 300:
        raise ValueError(f"answered {status}")
    return _total(result) > 0


def _sections(r: dict, customer: dict) -> dict:
    contacts = _body(r["contacts"], [])
    contacts = [c for c in contacts if isinstance(c, dict)] if isinstance(contacts, list) else []
    primary = next((c for c in contacts if c.get("primary")), None) or customer.get("primary_contact")
    try:
        contact_count = _total(r["contacts"]) if contacts else 0
    except (TypeError, ValueError, AttributeError):  # a malformed X-Pagination: what the page shows
        contact_count = len(contacts)
    notes = _body(r["notes"], [])
    notes = [n for n in notes if isinstance(n, dict)] if isinstance(notes, list) else []
    return {
        "details": {
            "service": CUSTOMERS,
            "status": "ok",
            "customer": customer,
            "primary_contact": primary,
            "contacts": contact_count,
        },
        "accounting": _section(
            ACCOUNTING,
            [r["accounting"]],
            lambda: {
                "accounts_ref": customer.get("accounts_ref"),
                "accounts_balance": customer.get("accounts_balance"),
                "accounts_balance_as_of": customer.get("accounts_balance_as_of"),
                "sync_status": (_body(r["accounting"], {}) or {}).get("status", "pending"),
                "last_error": (_body(r["accounting"], {}) or {}).get("last_error"),
            },
        ),
        "ledger": _section(BILLING, [r["account"]], lambda: {"figures": _body(r["account"], None)}),
        "recent": _section(
            BILLING,
            [r["quotes"], r["jobs"], r["invoices"]],
            lambda: {
                "quotes": _body(r["quotes"], [])[:RECENT],
                "jobs": _body(r["jobs"], [])[:RECENT],
                "invoices": _body(r["invoices"], [])[:RECENT],
            },
        ),
        "assets": _section(ASSETS, [r["assets"]], lambda: {"count": _total(r["assets"])}),
        "notes": _section(
            COMMS,
            [r["notes"], r["flagged_notes"]],
            lambda: {
                "pinned": [n for n in notes if n.get("pinned") or n.get("important")],
                "do_not_work_with_again": _any(r["flagged_notes"]),
            },
        ),
    }
