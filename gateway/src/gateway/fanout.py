"""The gateway's own reads of one customer across the services: the overview and the timeline.

Both ask several services at once (a thread per call) and wait at most the overview deadline
(`OVERVIEW_DEADLINE_SECONDS`), through the same per-upstream circuit breakers as forwarded
requests, so a dead service is not hammered and a slow one costs the page its part, not the page.
Both ask customers for the customer itself in the same round: its refusal (404, a merged
customer's 410, 403 …) is the answer, and without customers there is no page at all (503).
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

from . import roles, scopes
from .keys import Principal
from .proxy import correlation_id, unsendable_problem
from .routing import CUSTOMERS
from .state import Gateway

log = logging.getLogger("fieldbook.gateway.fanout")
METHODS = ("GET", "HEAD")
# the id segment of /v1/customers/{id}/overview: a UUID as the services' routes take it
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")

# (outcome, status, headers, JSON body): outcome "ok" (any HTTP answer), "unavailable", "timeout",
# "unsendable" (see Proxy.fetch_json), or "forbidden" / "not_deployed" (not asked at all)
Result = tuple[str, int | None, dict, object]


def customer_id_from(path: str) -> str | None:
    """The customer id of `/v1/customers/{id}/<page>`, canonical (lower case), or None when it is
    not a UUID."""
    segments = path.rstrip("/").split("/")
    if len(segments) != 5 or not _UUID.fullmatch(segments[3]):
        return None
    return str(uuid.UUID(segments[3]))


def customer_path(customer_id: str) -> str:
    return f"/v1/customers/{quote(customer_id, safe='')}"


@dataclass(frozen=True)
class Call:
    name: str
    service: str
    path: str
    params: dict | None = None
    # the public path whose role rule decides whether the key may read this (its own path when
    # None): an internal path has no rule of its own
    role_path: str | None = None


_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """One pool per process, made after gunicorn forks."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool, _pool_pid = ThreadPoolExecutor(max_workers=32, thread_name_prefix="fanout"), os.getpid()
        return _pool


def fan_out(gw: Gateway, principal: Principal, calls: list[Call]) -> dict[str, Result]:
    """Every call at once; each one's result by name once they answered or the deadline passed."""
    deadline = gw.settings.overview_deadline
    ids = {"request_id": g.get("request_id") or "", "correlation_id": correlation_id()}
    enabled = set(gw.settings.enabled_upstreams)
    # the role table and the scopes hold here too: what the caller may not read on its own is not fetched
    refused = {
        call.name
        for call in calls
        if not roles.is_allowed(principal.role, "GET", call.role_path or call.path)
        or not principal.may_use(scopes.service_scope("GET", call.service))
    }
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
    results: dict[str, Result] = {}
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
    return results


def customer_call(customer_id: str) -> Call:
    return Call("customer", CUSTOMERS, customer_path(customer_id))


def customer_refusal(result: Result, customer_id: str, page: str, kind: str = "key") -> Response | None:
    """The answer when the customer call did not give the customer (None when it did): its own
    problem passed on (404, 410 …), 403 for a key that may not read it, 503 without customers."""
    outcome, status, headers, customer = result
    if outcome == "forbidden":
        allowed = roles.allowed_roles("GET", f"/v1/customers/{customer_id}")
        return problem_response(403, detail=roles.refusal_detail(allowed, "GET", request.path, kind))
    if outcome == "unsendable":
        return unsendable_problem(ACTOR_HEADER)
    if outcome != "ok":
        return problem_response(503, detail=f"The customers service is unavailable, so there is no {page}.")
    if not isinstance(customer, dict):  # an error page, a list, no JSON at all
        log.error(
            "the %s's customer call got %s with %s; answering 502",
            page,
            status,
            headers.get("Content-Type") or "no content type",
        )
        return problem_response(502, detail="The customers service gave an unexpected answer.")
    if status != 200:  # customers' own problem (404, a merged customer's 410, 403 …): passed on
        return Response(json.dumps(customer), status=status or 502, mimetype="application/problem+json")
    return None
