"""The service table: every Fieldbook service written in one place.

The Makefile (its package list), `make up` (scripts/devstack.py), the gateway (upstreams and routes),
the e2e harness, bench and `make validate-deploy` (which checks docker-compose.yml and deploy/k8s
against it) all read this table. A new service is one row here plus its compose and k8s entries.

Standard library only, and runnable as a plain script, because the Makefile asks it for the
package list before the virtualenv exists:

    python3 shared/src/fieldbook_shared/service_table.py packages    # the Makefile's PACKAGES
    python -m fieldbook_shared.service_table services                 # one line per service
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    name: str  # as in compose/k8s (`<name>-web`, `<name>-worker`) and the gateway's upstream names
    package: str  # the Python import package
    folder: str  # where its pyproject.toml lives, from the repository root
    port_offset: int  # local web port = FIELDBOOK_PORT_BASE (8000) + offset
    processes: tuple[str, ...]  # "web", "worker"
    url_env: str = ""  # the variable that tells the others its internal base URL ("" for the gateway)
    # Public path patterns the gateway routes to it (docs/architecture.md §3). A pattern covers the
    # paths below it; the gateway tries the longest patterns first.
    routes: tuple[str, ...] = ()
    # "service": behind the gateway's /v1 (an upstream); "client": a client of the public API that
    # the gateway serves at a path of its own (the console at /console), never an upstream
    kind: str = "service"

    @property
    def has_worker(self) -> bool:
        return "worker" in self.processes

    def port(self, base: int = 8000) -> int:
        return base + self.port_offset


# The order is the start order of `make up`: customers first (the others read it), the gateway last
# (migrated after the services and started in front of them). docs/architecture.md §1.
SERVICES: tuple[Service, ...] = (
    Service(
        "customers",
        "customers",
        "services/customers",
        1,
        ("web", "worker"),
        "CUSTOMERS_URL",
        (
            "/v1/customers",
            "/v1/custom-fields",
            "/v1/customer-types",
            "/v1/imports",
            "/v1/exports",
        ),
    ),
    Service(
        "billing",
        "billing",
        "services/billing",
        2,
        ("web", "worker"),
        "BILLING_URL",
        (
            "/v1/customers/{id}/invoices",
            "/v1/customers/{id}/recurring-invoices",
            "/v1/customers/{id}/quotes",
            "/v1/customers/{id}/jobs",
            "/v1/customers/{id}/account-credit",
            "/v1/customers/{id}/payments",
            "/v1/customers/{id}/credit-notes",
            "/v1/customers/{id}/refunds",
            "/v1/customers/{id}/cards",
            "/v1/customers/{id}/statement",
            "/v1/customers/{id}/statement.pdf",
            "/v1/customers/{id}/account",
            "/v1/quotes",
            "/v1/jobs",
            "/v1/invoices",
            "/v1/recurring-invoices",
            "/v1/consolidated-invoices",
            "/v1/credit-notes",
            "/v1/payments",
            "/v1/statements",
            "/v1/reconciliation",
            "/v1/reports",  # reports across customers: the aged debtors
            "/v1/settings/documents",  # what invoices, quotes and credit notes print
            "/v1/public/quotes",  # a quote's acceptance link: no API key (gateway/views.py)
        ),
    ),
    Service(
        "assets",
        "assets",
        "services/assets",
        3,
        ("web", "worker"),
        "ASSETS_URL",
        ("/v1/customers/{id}/assets", "/v1/assets", "/v1/asset-catalogue"),
    ),
    Service(
        "comms",
        "comms",
        "services/comms",
        4,
        ("web", "worker"),
        "COMMS_URL",
        (
            "/v1/customers/{id}/notes",
            "/v1/customers/{id}/communications",
            "/v1/work-addresses/{wid}/communications",
            "/v1/email-templates",
            "/v1/emails",
            "/v1/letters",
            "/v1/mass-emails",
            "/v1/mailing-lists",
            "/v1/notes",
            "/v1/sms",
            "/v1/public/sms-receipts",  # the SMS provider's delivery receipts: signed, no API key
        ),
    ),
    Service(
        "accounting-sync",
        "accounting_sync",
        "services/accounting-sync",
        5,
        ("web", "worker"),
        "ACCOUNTING_SYNC_URL",
        ("/v1/customers/{id}/accounting", "/v1/accounting"),
    ),
    Service(
        "servicing",
        "servicing",
        "services/servicing",
        6,
        ("web", "worker"),
        "SERVICING_URL",
        (
            "/v1/service-reminders",
            "/v1/service-intervals",
            "/v1/service-plans",
            "/v1/contracts",
            "/v1/customers/{id}/contracts",
        ),
    ),
    Service(
        "files",
        "files",
        "services/files",
        7,
        ("web", "worker"),
        "FILES_URL",
        (
            "/v1/customers/{id}/files",
            "/v1/work-addresses/{wid}/files",
            "/v1/jobs/{id}/files",
            "/v1/assets/{id}/files",
            "/v1/files",
        ),
    ),
    Service(
        "webhooks",
        "webhooks",
        "services/webhooks",
        8,
        ("web", "worker"),
        "WEBHOOKS_URL",
        ("/v1/webhooks",),
    ),
    # the office console: a client of the public API, served by the gateway at /console
    Service("console", "console", "console", 9, ("web",), "CONSOLE_URL", kind="client"),
    Service("gateway", "gateway", "gateway", 0, ("web",)),
)

KIT_FOLDER = "shared"  # the kit: installed first, not a service

GATEWAY = "gateway"


def by_name(name: str) -> Service:
    for service in SERVICES:
        if service.name == name:
            return service
    raise KeyError(name)


def upstreams() -> tuple[Service, ...]:
    """The services behind the gateway, in table order."""
    return tuple(s for s in SERVICES if s.name != GATEWAY and s.kind == "service")


def internal_url(name: str, env: Mapping[str, str]) -> str:
    """A service's internal base URL: its variable (CUSTOMERS_URL, ...), else its local port."""
    service = by_name(name)
    return env.get(service.url_env, f"http://127.0.0.1:{service.port()}")


def package_folders() -> list[str]:
    """Every package folder of the repository, kit first (the Makefile's PACKAGES)."""
    return [KIT_FOLDER, *(s.folder for s in SERVICES)]


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "services"
    if what == "packages":
        print(" ".join(package_folders()))
    elif what == "services":
        for s in SERVICES:
            print(s.name, s.package, s.folder, s.port(), ",".join(s.processes), s.url_env or "-")
    else:
        print(f"usage: service_table.py [packages|services], not {what!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
