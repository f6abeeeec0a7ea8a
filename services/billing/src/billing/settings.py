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

from dataclasses import dataclass
from typing import Any

from fieldbook_shared.settings import Settings, env_setting, service_url

SERVICE = "billing"
DEV_QUOTE_LINK_SECRET = "fieldbook-dev-quote-links"  # local runs and tests only


@dataclass(frozen=True)
class BillingSettings(Settings):
    customers_url: str = service_url("customers")
    # each call to customers
    internal_timeout_seconds: float = env_setting("CUSTOMERS_TIMEOUT_SECONDS", 5.0)
    business_name: str = env_setting("BILLING_BUSINESS_NAME", "Fieldbook")
    logo_max_bytes: int = env_setting("DOCUMENT_LOGO_MAX_BYTES", 512 * 1024)
    quote_link_secret: str = env_setting("QUOTE_LINK_SECRET", DEV_QUOTE_LINK_SECRET)
    recurring_poll_seconds: float = env_setting("RECURRING_INVOICES_POLL_SECONDS", 60.0)
    recurring_retry_seconds: float = env_setting("RECURRING_INVOICES_RETRY_SECONDS", 300.0)


def load_settings(**overrides: Any) -> BillingSettings:
    return BillingSettings.from_env(SERVICE, **overrides)
