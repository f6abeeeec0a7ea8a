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

CUSTOMERS = "customers"
BILLING = "billing"
ASSETS = "assets"
COMMS = "comms"
ACCOUNTING = "accounting-sync"
GATEWAY = "gateway"  # answered by the gateway itself (the overview fans out to the services)

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


ROUTES: list[Route] = _table(
    [
        # The customer's whole record in one call: the gateway fans out. That path only: what lies
        # below it is the customers catch-all's (a 404 there).
        ("/v1/customers/{id}/overview", GATEWAY, EXACT),
        # Customer sub-resources owned by other services: before the customers catch-all.
        ("/v1/customers/{id}/invoices", BILLING),
        ("/v1/customers/{id}/quotes", BILLING),
        ("/v1/customers/{id}/jobs", BILLING),
        ("/v1/customers/{id}/account-credit", BILLING),
        ("/v1/customers/{id}/payments", BILLING),
        ("/v1/customers/{id}/credit-notes", BILLING),
        ("/v1/customers/{id}/refunds", BILLING),
        ("/v1/customers/{id}/cards", BILLING),
        ("/v1/customers/{id}/statement", BILLING),
        ("/v1/customers/{id}/statement.pdf", BILLING),
        ("/v1/customers/{id}/account", BILLING),
        ("/v1/customers/{id}/assets", ASSETS),
        ("/v1/customers/{id}/notes", COMMS),
        ("/v1/customers/{id}/communications", COMMS),
        ("/v1/customers/{id}/accounting", ACCOUNTING),
        ("/v1/work-addresses/{wid}/communications", COMMS),
        # customers: the record, contacts, branches, work addresses, tenant settings, import/export.
        ("/v1/customers", CUSTOMERS),
        ("/v1/custom-fields", CUSTOMERS),
        ("/v1/customer-types", CUSTOMERS),
        ("/v1/imports", CUSTOMERS),
        ("/v1/exports", CUSTOMERS),
        # billing
        ("/v1/quotes", BILLING),
        ("/v1/jobs", BILLING),
        ("/v1/invoices", BILLING),
        ("/v1/consolidated-invoices", BILLING),
        ("/v1/credit-notes", BILLING),
        ("/v1/payments", BILLING),
        ("/v1/statements", BILLING),
        ("/v1/reconciliation", BILLING),
        ("/v1/settings/documents", BILLING),  # what invoices, quotes and credit notes print
        # assets
        ("/v1/assets", ASSETS),
        ("/v1/asset-catalogue", ASSETS),
        # comms
        ("/v1/email-templates", COMMS),
        ("/v1/emails", COMMS),
        ("/v1/mass-emails", COMMS),
        ("/v1/mailing-lists", COMMS),
        ("/v1/notes", COMMS),
        # accounting-sync
        ("/v1/accounting", ACCOUNTING),
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
