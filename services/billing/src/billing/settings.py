"""Every setting of the billing service, from the environment: the kit's `Settings` and billing's own.

Billing's own: `CUSTOMERS_URL` (internal base URL of the customers service, for the one read of a
customer billing has not heard of yet), `CUSTOMERS_TIMEOUT_SECONDS`, `BILLING_BUSINESS_NAME`
(the header of statement PDFs, and of documents until an admin sets a business name),
`DOCUMENT_LOGO_MAX_BYTES` (the largest logo accepted, default 512 KiB), `QUOTE_LINK_SECRET` (signs
quotes' acceptance links, domain/acceptance_links.py; set it in every deployment: the default is
for local runs and tests only, and the app warns when it is used outside test mode),
`RECURRING_INVOICES_POLL_SECONDS` (how often the worker looks for recurring invoices due, default
60) and `RECURRING_INVOICES_RETRY_SECONDS` (how long a recurring invoice whose period could not be
raised waits before the next try, default 300).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldbook_shared import service_table
from fieldbook_shared.settings import Settings

SERVICE = "billing"
DEV_QUOTE_LINK_SECRET = "fieldbook-dev-quote-links"  # local runs and tests only


@dataclass(frozen=True)
class BillingSettings(Settings):
    customers_url: str = "http://127.0.0.1:8001"
    internal_timeout_seconds: float = 5.0  # each call to customers (CUSTOMERS_TIMEOUT_SECONDS)
    business_name: str = "Fieldbook"
    logo_max_bytes: int = 512 * 1024
    quote_link_secret: str = DEV_QUOTE_LINK_SECRET
    recurring_poll_seconds: float = 60.0
    recurring_retry_seconds: float = 300.0

    @classmethod
    def service_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {
            "customers_url": service_table.internal_url("customers", env).rstrip("/"),
            "internal_timeout_seconds": float(
                env.get("CUSTOMERS_TIMEOUT_SECONDS", cls.internal_timeout_seconds),
            ),
            "business_name": env.get("BILLING_BUSINESS_NAME", cls.business_name),
            "logo_max_bytes": int(env.get("DOCUMENT_LOGO_MAX_BYTES", cls.logo_max_bytes)),
            "quote_link_secret": env.get("QUOTE_LINK_SECRET") or cls.quote_link_secret,
            "recurring_poll_seconds": float(
                env.get("RECURRING_INVOICES_POLL_SECONDS", cls.recurring_poll_seconds)
            ),
            "recurring_retry_seconds": float(
                env.get("RECURRING_INVOICES_RETRY_SECONDS", cls.recurring_retry_seconds)
            ),
        }


def load_settings(**overrides: Any) -> BillingSettings:
    return BillingSettings.from_env(SERVICE, **overrides)
