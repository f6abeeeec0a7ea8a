"""OAuth2 scopes: the one list, and which scope each route needs (docs/api-contract.md, Scopes).

A route's scope comes from the service that answers it (routing.py, `AREAS`): a read (`GET`,
`HEAD`, `OPTIONS`) needs `<area>:read`, a write `<area>:write`. A few routes have a scope of
their own (`FIXED`, whatever the method): webhooks need `webhooks:manage`; the tenant's data
exports `exports:read` (they read across every service). The customer's overview and timeline
(answered by the gateway) need `customers:read`; each of their sections or kinds also needs its
service's read scope, else it comes back forbidden (fanout.py).

Only the gateway's own credentials (`CREDENTIALS`: keys, OAuth2 clients, users, sessions, the
second factor, invitations) need a scope no client holds (`NO_SCOPE`): a scoped caller never mints keys. A
route of a service with no area here would be refused to scoped callers too (deny by default);
gateway/tests/unit/test_gateway_scopes.py walks every route so that none is forgotten.
"""

from __future__ import annotations

from . import routing
from .roles import READS
from .routing import compile_pattern

SCOPE_DESCRIPTIONS = {
    "customers:read": "Read customers, work addresses, branches, contacts, custom fields and "
    "customer types, imports, and a customer's overview and timeline.",
    "customers:write": "Create and change customers and their records; import customers.",
    "billing:read": "Read quotes, jobs, invoices, recurring invoices, credit notes, payments, "
    "statements and reports.",
    "billing:write": "Create and change quotes, jobs, invoices, credit notes and payments.",
    "assets:read": "Read assets and the asset catalogue.",
    "assets:write": "Create and change assets.",
    "comms:read": "Read notes, emails, SMS and the communications log.",
    "comms:write": "Write notes and send emails and SMS.",
    "servicing:read": "Read service plans, intervals, reminders and contracts.",
    "servicing:write": "Create and change service plans, intervals, reminders and contracts.",
    "files:read": "Read the files of customers, work addresses, jobs and assets.",
    "files:write": "Upload and delete files.",
    "accounting:read": "Read the link with the accounting system and its sync status.",
    "accounting:write": "Link customers to the accounting system and start a sync.",
    "exports:read": "Export the tenant's data (the customer list, every record as a ZIP).",
    "webhooks:manage": "Register, change and remove webhook endpoints; read and replay deliveries.",
}
SCOPES: tuple[str, ...] = tuple(SCOPE_DESCRIPTIONS)

# service (routing.py) → scope area
AREAS = {
    routing.CUSTOMERS: "customers",
    routing.BILLING: "billing",
    routing.ASSETS: "assets",
    routing.COMMS: "comms",
    routing.SERVICING: "servicing",
    routing.FILES: "files",
    routing.ACCOUNTING: "accounting",
}
# routes whose scope is the same for every method, before the service's area decides
FIXED = [
    (compile_pattern("/v1/webhooks"), "webhooks:manage"),
    (compile_pattern("/v1/exports"), "exports:read"),  # every service's records, not only customers'
    # the gateway's own pages of one customer: their sections need their own scopes too (fanout.py)
    (compile_pattern("/v1/customers/{id}/overview", prefix=False), "customers:read"),
    (compile_pattern("/v1/customers/{id}/timeline", prefix=False), "customers:read"),
]
# what a scoped caller may not reach at all
NO_SCOPE = "none"
# the gateway's own credentials: keys, clients and people (users, sessions, a person's second
# factor, invitations); admin keys and sessions only
CREDENTIALS = (
    "/v1/api-keys",
    "/v1/oauth-clients",
    "/v1/users",
    "/v1/sessions",
    "/v1/account",
    "/v1/invitations",
)


def parse(value: str | list[str] | None) -> tuple[str, ...]:
    """Space-separated (OAuth2's form) or a list → the known scopes, in the list's order.

    Raises ValueError naming the unknown ones."""
    items = value.split() if isinstance(value, str) else list(value or [])
    unknown = sorted({s for s in items if s not in SCOPES})
    if unknown:
        raise ValueError(f"unknown scopes {unknown}; known: {', '.join(SCOPES)}")
    return tuple(s for s in SCOPES if s in items)


def service_scope(method: str, service: str) -> str:
    """The scope a request answered by `service` needs by its area (NO_SCOPE when it has none)."""
    area = AREAS.get(service)
    if area is None:
        return NO_SCOPE
    return f"{area}:read" if method.upper() in READS else f"{area}:write"


def required_scope(method: str, path: str) -> str:
    """The scope a request needs (NO_SCOPE when no scope grants it)."""
    for regex, scope in FIXED:
        if regex.match(path):
            return scope
    route = routing.resolve(path)
    if route is None:
        return NO_SCOPE
    return service_scope(method, route.service)


def refusal_detail(scope: str, method: str, path: str) -> str:
    if scope == NO_SCOPE:
        return f"No scope grants {method} {path}; use an API key of a role that may."
    return f"{method} {path} needs the `{scope}` scope."
