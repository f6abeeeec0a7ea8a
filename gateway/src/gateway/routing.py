"""The routing table: which service answers a public path.

Public paths are resource-shaped (docs/architecture.md §3, §7), so `/v1/customers/{id}/invoices` belongs to
billing although it sits under customers. The table is ordered, most specific first; the first
pattern that matches wins. A pattern matches its own path and everything below it
(`/v1/quotes` also covers `/v1/quotes/{qid}/convert`), on whole segments only
(`/v1/customers/{id}/account` does not cover `.../accounting`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fieldbook_shared import service_table

CUSTOMERS = "customers"
BILLING = "billing"
ASSETS = "assets"
COMMS = "comms"
ACCOUNTING = "accounting-sync"
FILES = "files"
SERVICING = "servicing"
GATEWAY = service_table.GATEWAY  # answered by the gateway itself (the overview and timeline fan out)

# The customer's timeline (the gateway merges it): which service lists which kinds of entry.
TIMELINE_KINDS: dict[str, tuple[str, ...]] = {
    BILLING: ("quote", "job", "invoice", "credit_note", "payment", "account_credit", "refund"),
    COMMS: ("note", "email", "letter", "call", "sms"),
    ASSETS: ("asset_change",),
    FILES: ("file",),
    SERVICING: ("contract", "service_reminder"),
}

_PARAM = re.compile(r"\{[^/{}]+\}")


def compile_pattern(pattern: str, prefix: bool = True) -> re.Pattern[str]:
    """`/v1/customers/{id}/invoices` → a regex; `{name}` is one path segment.

    With `prefix` the pattern also matches any path below it; without, only the path itself.
    """
    parts = _PARAM.split(pattern)
    params = _PARAM.findall(pattern)
    regex = ""
    for i, part in enumerate(parts):
        regex += re.escape(part)
        if i < len(params):
            regex += "[^/]+"
    tail = "(?:/.*)?" if prefix else "/?"
    return re.compile(f"^{regex}{tail}$")


@dataclass(frozen=True)
class Route:
    pattern: str
    service: str
    regex: re.Pattern[str]


def _table(rows: list[tuple]) -> list[Route]:
    """Rows are (pattern, service) or (pattern, service, EXACT): EXACT matches the path alone."""
    return [Route(row[0], row[1], compile_pattern(row[0], prefix=len(row) < 3)) for row in rows]


EXACT = "exact"


def _service_rows() -> list[tuple]:
    """Every service's patterns from the service table, the longest (most specific) first.

    A pattern covers whole segments only, so of two patterns that both match a path the longer one
    is the more specific; patterns of the same length never both match one path.
    """
    rows = [(pattern, s.name) for s in service_table.upstreams() for pattern in s.routes]
    return sorted(rows, key=lambda row: -row[0].count("/"))  # stable: table order among equals


ROUTES: list[Route] = _table(
    [
        # The customer's whole record in one call: the gateway fans out. That path only: what lies
        # below it is the customers catch-all's (a 404 there).
        ("/v1/customers/{id}/overview", GATEWAY, EXACT),
        # Everything that happened with the customer, newest first: the gateway merges the services'.
        ("/v1/customers/{id}/timeline", GATEWAY, EXACT),
        # The services' paths (customer sub-resources owned by other services come before the
        # customers catch-all by length).
        *_service_rows(),
    ]
)


def resolve(path: str) -> Route | None:
    """The route for a public path, or None (the gateway answers 404)."""
    for route in ROUTES:
        if route.regex.match(path):
            return route
    return None


def service_for(path: str) -> str | None:
    route = resolve(path)
    return route.service if route else None
