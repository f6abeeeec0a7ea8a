"""`GET /v1/customers/{id}/overview`: the customer's whole record in one call.

The gateway asks every service at once and waits at most the overview deadline, through the
per-upstream circuit breakers (`fanout.py`, shared with the timeline). Each section carries its
own status, so one service down degrades its section, not the page: the answer is still 200, with
`complete: false` and the missing services listed.
"""

from __future__ import annotations

import json

from flask import Response

from .fanout import Call, customer_call, customer_path, customer_refusal, fan_out
from .keys import Principal
from .routing import ACCOUNTING, ASSETS, BILLING, COMMS, CUSTOMERS, FILES, SERVICING
from .state import Gateway

RECENT = 5


def _calls(customer_id: str) -> list[Call]:
    base = customer_path(customer_id)
    recent = {"page": 1, "page_size": RECENT}
    return [
        customer_call(customer_id),
        # primary first: the first row is the primary contact, the page's total the count
        Call("contacts", CUSTOMERS, f"{base}/contacts", {"include_archived": "false", "page_size": 1}),
        Call("accounting", ACCOUNTING, f"{base}/accounting"),
        Call("account", BILLING, f"{base}/account"),
        Call("quotes", BILLING, f"{base}/quotes", recent),
        Call("jobs", BILLING, f"{base}/jobs", recent),
        Call("invoices", BILLING, f"{base}/invoices", recent),
        Call("assets", ASSETS, f"{base}/assets", {"page": 1, "page_size": 1}),
        # every file on the record (the customer's, its work addresses', jobs' and assets'): the total
        Call("files", FILES, f"{base}/files", {"page": 1, "page_size": 1}),
        # soonest first: the first still waiting for its service is the next one due
        Call("reminders", SERVICING, "/v1/service-reminders", {"customer_id": customer_id, "page_size": 50}),
        Call("contracts", SERVICING, f"{base}/contracts", {"page_size": 50}),
        Call("notes", COMMS, f"{base}/notes", {"page": 1, "page_size": 100}),  # pinned first
        # the flag may sit on any note, however old: ask comms for the flagged ones (the total says)
        Call("flagged_notes", COMMS, f"{base}/notes", {"do_not_work_with_again": "true", "page_size": 1}),
    ]


def customer_overview(gw: Gateway, principal: Principal, customer_id: str) -> Response:
    """The overview of `customer_id`, a UUID the caller has checked (`fanout.customer_id_from`)."""
    results = fan_out(gw, principal, _calls(customer_id))
    refusal = customer_refusal(results["customer"], customer_id, "overview", principal.kind)
    if refusal is not None:
        return refusal
    customer = results["customer"][3]
    sections = _sections(results, customer)
    unavailable = sorted({s["service"] for s in sections.values() if s["status"] == "unavailable"})
    body = {"customer_id": customer_id, "complete": not unavailable, "unavailable": unavailable, **sections}
    return Response(json.dumps(body, default=str), status=200, mimetype="application/json")


def _section(service: str, parts: list[tuple[str, int | None, dict, object]], build) -> dict:
    """A section is ok only when every call behind it answered 2xx (404 counts as 'nothing yet');
    forbidden when the caller may not read one of its calls (the role table and the scopes, as for the
    call itself)."""
    if any(outcome == "forbidden" for outcome, _s, _h, _b in parts):
        return {
            "service": service,
            "status": "forbidden",
            "reason": "this key's role or scopes may not read it",
        }
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
        "files": _section(FILES, [r["files"]], lambda: {"count": _total(r["files"])}),
        "servicing": _section(
            SERVICING, [r["reminders"], r["contracts"]], lambda: _servicing(r["reminders"], r["contracts"])
        ),
        "notes": _section(
            COMMS,
            [r["notes"], r["flagged_notes"]],
            lambda: {
                "pinned": [n for n in notes if n.get("pinned") or n.get("important")],
                "do_not_work_with_again": _any(r["flagged_notes"]),
            },
        ),
    }


# what the reminders say is still to come: a booked service is still due until its job is done
WAITING = ("due", "postponed", "booked")
CONTRACT_FIELDS = ("id", "plan_name", "status", "start_date", "end_date", "auto_renew", "sla_response_hours")


def _servicing(reminders_result, contracts_result) -> dict:
    """The next service due (servicing's reminders) and the contracts' status: `active` when any
    contract is, else the status of the one that ended last (`expired`, `cancelled`), else None."""
    reminders = _body(reminders_result, []) if reminders_result[1] != 404 else []
    contracts = _body(contracts_result, []) if contracts_result[1] != 404 else []
    waiting = [x for x in reminders if x["status"] in WAITING and x.get("due_date")]
    nxt = min(waiting, key=lambda x: x["due_date"], default=None)
    listed = [{k: c.get(k) for k in CONTRACT_FIELDS} for c in contracts]
    active = [c for c in listed if c["status"] == "active"]
    last = max(listed, key=lambda c: c["end_date"] or "", default=None)
    return {
        "next_service_due": None
        if nxt is None
        else {k: nxt.get(k) for k in ("due_date", "status", "id", "asset_id", "work_address_id")},
        "contract_status": "active" if active else (last["status"] if last else None),
        "contracts": listed,
    }
