"""Every setting of the billing service, from the environment (see the kit's Settings).

Billing's own: `CUSTOMERS_URL` (internal base URL of the customers service, for the one read of a
customer billing has not heard of yet), `CUSTOMERS_TIMEOUT_SECONDS`, `BILLING_BUSINESS_NAME`
(the header of statement PDFs, and of documents until an admin sets a business name),
`DOCUMENT_LOGO_MAX_BYTES` (the largest logo accepted, default 512 KiB).
"""

import os

from fieldbook_shared import service_table
from fieldbook_shared.settings import Settings

SERVICE = "billing"


def load_settings(**overrides) -> Settings:
    env = os.environ
    extra = {
        "customers_url": service_table.internal_url("customers", env).rstrip("/"),
        "customers_timeout": float(env.get("CUSTOMERS_TIMEOUT_SECONDS", "5")),
        "business_name": env.get("BILLING_BUSINESS_NAME", "Fieldbook"),
        "logo_max_bytes": int(env.get("DOCUMENT_LOGO_MAX_BYTES", str(512 * 1024))),
    }
    extra.update(overrides.pop("extra", {}))
    return Settings.from_env(SERVICE, extra=extra, **overrides)
