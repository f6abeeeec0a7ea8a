"""OAuth2 scopes: the one list, and which scope each route needs (docs/api-contract.md, Scopes).

A route's scope comes from the service that answers it (routing.py): a read (`GET`, `HEAD`,
`OPTIONS`) needs `<area>:read`, a write `<area>:write`; webhooks need `webhooks:manage` for both.
A service with no area here (accounting, servicing, files, the gateway's own overview/timeline)
needs a scope no client holds: a scoped caller is refused there (deny by default).
"""

from __future__ import annotations

from . import routing
from .roles import READS

SCOPES: tuple[str, ...] = (
    "customers:read",
    "customers:write",
    "billing:read",
    "billing:write",
    "assets:read",
    "assets:write",
    "comms:read",
    "comms:write",
    "webhooks:manage",
)
SCOPE_DESCRIPTIONS = {
    "customers:read": "Read customers, work addresses, contacts and custom fields.",
    "customers:write": "Create and change customers and their records.",
    "billing:read": "Read quotes, jobs, invoices, credit notes and payments.",
    "billing:write": "Create and change quotes, jobs, invoices and payments.",
    "assets:read": "Read assets and the asset catalogue.",
    "assets:write": "Create and change assets.",
    "comms:read": "Read notes, emails, SMS and the communications log.",
    "comms:write": "Write notes and send emails and SMS.",
    "webhooks:manage": "Register, change and remove webhook endpoints.",
}
# service (routing.py) → scope area
AREAS = {"customers": "customers", "billing": "billing", "assets": "assets", "comms": "comms"}
# what a scoped caller may not reach at all
NO_SCOPE = "none"


def parse(value: str | list[str] | None) -> tuple[str, ...]:
    """Space-separated (OAuth2's form) or a list → the known scopes, in the list's order.

    Raises ValueError naming the unknown ones."""
    items = value.split() if isinstance(value, str) else list(value or [])
    unknown = sorted({s for s in items if s not in SCOPES})
    if unknown:
        raise ValueError(f"unknown scopes {unknown}; known: {', '.join(SCOPES)}")
    return tuple(s for s in SCOPES if s in items)


def required_scope(method: str, path: str) -> str:
    """The scope a request needs (NO_SCOPE when no scope grants it)."""
    route = routing.resolve(path)
    if route is None:
        return NO_SCOPE
    if route.service == "webhooks":
        return "webhooks:manage"
    area = AREAS.get(route.service)
    if area is None:
        return NO_SCOPE
    return f"{area}:read" if method.upper() in READS else f"{area}:write"


def refusal_detail(scope: str, method: str, path: str) -> str:
    if scope == NO_SCOPE:
        return f"No scope grants {method} {path}; use an API key of a role that may."
    return f"{method} {path} needs the `{scope}` scope."
