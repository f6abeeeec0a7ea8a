"""Who may do what: ONE table of (methods, path pattern) → allowed roles (docs/architecture.md §2).

Rules are tried in order and the first that matches decides, so the narrow rules come first and
the two defaults (reads: everyone; writes: everyone but `readonly`) close the table.

A rule may also name JSON body fields: it then applies only when the request body sets one of
them. That is how "only accounts and admin set credit limits" holds although a credit limit is
set by a PATCH of the customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fieldbook_shared.context import ROLES

from .routing import compile_pattern

READS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANY = READS | WRITES

EVERYONE = tuple(ROLES)
WRITERS = tuple(r for r in ROLES if r != "readonly")
MONEY = ("admin", "accounts")
ADMIN = ("admin",)


@dataclass(frozen=True)
class Rule:
    methods: frozenset[str]
    pattern: str
    roles: tuple[str, ...]
    prefix: bool = True  # also covers the paths below `pattern`
    body_fields: tuple[str, ...] = ()  # applies only when the JSON body sets one of these

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", compile_pattern(self.pattern, self.prefix))

    def matches(self, method: str, path: str, body: Any) -> bool:
        if method not in self.methods or not self._regex.match(path):  # type: ignore[attr-defined]
            return False
        if self.body_fields:
            return isinstance(body, dict) and any(f in body for f in self.body_fields)
        return True


RULES: list[Rule] = [
    # admin only: whole-record and irreversible actions
    Rule(WRITES, "/v1/customers/{id}/merge", ADMIN),
    Rule(WRITES, "/v1/customers/{id}/erase", ADMIN),
    Rule(ANY, "/v1/customers/{id}/erasure-report", ADMIN),
    Rule(WRITES, "/v1/customers/{id}/type", ADMIN),
    Rule(frozenset({"DELETE"}), "/v1/customers/{id}", ADMIN, prefix=False),
    Rule(ANY, "/v1/users", ADMIN),  # people: who may log in, with which role (identity.py)
    Rule(ANY, "/v1/invitations", ADMIN),  # (accepting one needs no key: identity_views.py)
    Rule(ANY, "/v1/exports", ADMIN),
    Rule(ANY, "/v1/imports", ADMIN),
    Rule(ANY, "/v1/reconciliation", ADMIN),
    Rule(ANY, "/v1/settings/documents", ADMIN),  # business details, bank details and logo on documents
    Rule(WRITES, "/v1/accounting/business", ADMIN),  # which Sage business the tenant syncs to
    Rule(WRITES, "/v1/service-intervals", ADMIN),  # how often the tenant services each kind of asset
    Rule(WRITES, "/v1/service-plans", ADMIN),  # what the tenant sells: price, visits, SLA
    # where the tenant's events go, and their secrets (an OAuth client's `webhooks:manage` scope)
    Rule(ANY, "/v1/webhooks", ADMIN),
    # accounts and admin: the money decisions
    Rule(ANY, "/v1/customers/{id}/accounting", MONEY),  # the link with Sage (issue 3)
    Rule(ANY, "/v1/accounting", MONEY),
    Rule(ANY, "/v1/reports", MONEY),  # what every customer owes (the aged debtors)
    Rule(WRITES, "/v1/customers/{id}/block", MONEY),
    Rule(WRITES, "/v1/customers/{id}/unblock", MONEY),
    Rule(WRITES, "/v1/customers/{id}/account-credit", MONEY),
    Rule(WRITES, "/v1/payments", MONEY),  # payments, their allocations, de-allocations, reversal
    Rule(WRITES, "/v1/customers/{id}/refunds", MONEY),  # who may take money in may pay it back
    Rule(WRITES, "/v1/credit-notes", MONEY),
    Rule(WRITES, "/v1/customers/{id}/cards", MONEY),
    Rule(WRITES, "/v1/customers", MONEY, prefix=False, body_fields=("credit_limit",)),
    Rule(WRITES, "/v1/customers/{id}", MONEY, prefix=False, body_fields=("credit_limit",)),
    # defaults
    Rule(READS, "/v1", EVERYONE),
    Rule(WRITES, "/v1", WRITERS),
]


def allowed_roles(method: str, path: str, body: Any = None) -> tuple[str, ...]:
    """The roles that may make this request; empty for a method no rule knows (e.g. TRACE)."""
    method = method.upper()
    for rule in RULES:
        if rule.matches(method, path, body):
            return rule.roles
    return ()


def is_allowed(role: str, method: str, path: str, body: Any = None) -> bool:
    return role in allowed_roles(method, path, body)


# what the 403 calls the caller (keys.Principal.kind): a person in the console is a user, not a key
CALLERS = {"user": "users", "client": "clients", "key": "keys"}


def refusal_detail(roles: tuple[str, ...], method: str, path: str, kind: str = "key") -> str:
    """The 403 detail: says which roles may, so a person knows whom to ask; it names the caller
    as what it is (a person's session: users; an API key: keys; an OAuth2 client: clients)."""
    if not roles:
        return f"{method} is not allowed through the gateway."
    names = " and ".join([", ".join(roles[:-1]), roles[-1]]) if len(roles) > 1 else roles[0]
    return f"Only {names} {CALLERS.get(kind, 'keys')} may {method} {path}."
