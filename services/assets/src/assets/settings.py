"""Every setting of the assets service, from the environment (see the kit's Settings).

Beside the kit's settings: `CUSTOMERS_URL` (the customers service's internal URL, for the one
synchronous read of a customer / work address / branch not yet heard of through events) and
`CUSTOMERS_TIMEOUT` (seconds, for that read).
"""

import os

from fieldbook_shared import service_table
from fieldbook_shared.settings import Settings

SERVICE = "assets"


def load_settings(**overrides) -> Settings:
    extra = {
        "customers_url": service_table.internal_url("customers", os.environ).rstrip("/"),
        "customers_timeout": float(os.environ.get("CUSTOMERS_TIMEOUT", "3")),
    }
    extra.update(overrides.pop("extra", None) or {})
    return Settings.from_env(SERVICE, extra=extra, **overrides)
