"""`GET /v1/customers/{id}/timeline`: everything that happened with a customer, newest first.

billing (quotes, jobs, invoices, credit notes, payments, account credit, refunds), comms (the
communications log: notes, emails, calls, SMS), assets (asset changes), files (files added to
the record) and servicing (contracts, service reminders: next service due) each list their part
through an internal route (`fieldbook_shared.timeline`); the gateway asks the services the kinds
filter needs, in one round with the customer itself (`fanout.py`: deadline, breakers, role
table), for `limit + 1` entries strictly after the cursor each, merges them (the kit's
`merge_page`) and answers `limit` entries and the cursor of the next page. The order is
(occurred_at, kind, id) descending, a total order, so pages have no gap and no repeat.

A service that does not answer costs the page its kinds, not the page: still 200, `complete`
false and `unavailable` naming the service and its kinds (the next page's cursor is then past
entries this page could not show; a client that needs everything pages again later).
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

from flask import Response, request

from fieldbook_shared.problems import problem_response
from fieldbook_shared.timeline import (
    LIMIT_DEFAULT,
    LIMIT_MAX,
    decode_cursor,
    encode_cursor,
    entry_key,
    merge_page,
)

from .fanout import Call, Result, customer_call, customer_path, customer_refusal, fan_out
from .keys import Principal
from .routing import ASSETS, BILLING, COMMS, FILES, SERVICING, TIMELINE_KINDS
from .state import Gateway

KINDS = tuple(kind for kinds in TIMELINE_KINDS.values() for kind in kinds)
# the public list whose role rule says whether a key may read a service's kinds
ROLE_PATHS = {
    BILLING: "invoices",
    COMMS: "communications",
    ASSETS: "assets",
    FILES: "files",
    SERVICING: "contracts",
}
PARAMETERS = ("cursor", "limit", "kind", "work_address_id")


def parse_query(args) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The query string → (cursor, limit, kinds, work address), and the errors by field."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(args) - set(PARAMETERS))
    for name in unknown:
        errors[name] = ["Unknown parameter."]
    query: dict[str, Any] = {"cursor": None, "limit": LIMIT_DEFAULT, "kinds": [], "work_address_id": None}
    cursor = args.get("cursor")
    if cursor is not None:
        try:
            decode_cursor(cursor)
            query["cursor"] = cursor
        except ValueError:
            errors["cursor"] = ["Not a cursor this timeline gave; start again without one."]
    limit = args.get("limit")
    if limit is not None:
        if not limit.isdigit() or not 1 <= int(limit) <= LIMIT_MAX:
            errors["limit"] = [f"Must be a whole number from 1 to {LIMIT_MAX}."]
        else:
            query["limit"] = int(limit)
    kinds = [k for value in args.getlist("kind") for k in value.split(",") if k]
    wrong = [k for k in kinds if k not in KINDS]
    if wrong or (args.getlist("kind") and not kinds):
        errors["kind"] = [f"Must be one of: {', '.join(KINDS)}."]
    query["kinds"] = list(dict.fromkeys(kinds))
    work_address = args.get("work_address_id")
    if work_address is not None:
        query["work_address_id"] = _uuid(work_address)
        if query["work_address_id"] is None:
            errors["work_address_id"] = ["Not a valid UUID."]
    return query, errors


def _uuid(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def _calls(customer_id: str, query: dict) -> list[Call]:
    calls = [customer_call(customer_id)]
    for service, kinds in TIMELINE_KINDS.items():
        wanted = [k for k in kinds if not query["kinds"] or k in query["kinds"]]
        if not wanted:
            continue
        params: dict[str, Any] = {"limit": query["limit"] + 1}
        if query["kinds"]:
            params["kind"] = wanted
        if query["cursor"]:
            params["before"] = query["cursor"]
        if query["work_address_id"]:
            params["work_address_id"] = query["work_address_id"]
        path = f"/internal/customers/{quote(customer_id, safe='')}/timeline-entries"
        role_path = f"{customer_path(customer_id)}/{ROLE_PATHS[service]}"
        calls.append(Call(service, service, path, params, role_path=role_path))
    return calls


def _entries(result: Result) -> tuple[list[dict] | None, str]:
    """A service's entries, or None and why not."""
    outcome, status, _headers, body = result
    if outcome != "ok":
        return None, outcome
    if status != 200:
        return None, f"answered {status}"
    try:
        entries = body["entries"]  # type: ignore[index]
        for entry in entries:
            entry_key(entry)
        return list(entries), ""
    except (KeyError, TypeError, ValueError, AttributeError):
        return None, "unexpected answer"


def customer_timeline(gw: Gateway, principal: Principal, customer_id: str) -> Response:
    """The timeline of `customer_id`, a UUID the caller has checked (`fanout.customer_id_from`)."""
    query, errors = parse_query(request.args)
    if errors:
        return problem_response(422, detail="The timeline's query is not valid.", errors=errors)
    calls = _calls(customer_id, query)
    results = fan_out(gw, principal, calls)
    refusal = customer_refusal(results["customer"], customer_id, "timeline", principal.kind)
    if refusal is not None:
        return refusal
    lists, unavailable = [], []
    for call in calls[1:]:
        entries, reason = _entries(results[call.name])
        if entries is None:
            kinds = (
                call.params.get("kind")
                if call.params and "kind" in call.params
                else TIMELINE_KINDS[call.service]
            )
            unavailable.append({"service": call.service, "kinds": list(kinds), "reason": reason})
        else:
            lists.append(entries)
    page, more = merge_page(lists, query["limit"])
    body = {
        "customer_id": customer_id,
        "entries": page,
        "next_cursor": encode_cursor(entry_key(page[-1])) if more else None,
        "complete": not unavailable,
        "unavailable": unavailable,
    }
    return Response(json.dumps(body), status=200, mimetype="application/json")
