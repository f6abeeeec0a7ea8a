"""Every setting of the customers service, from the environment (see the kit's Settings)."""

import os

from fieldbook_shared import service_table
from fieldbook_shared.settings import Settings

SERVICE = "customers"
MIB = 1024 * 1024


def _service_extra() -> dict:
    """This service's own settings (the CSV import), kept in the kit's `Settings.extra`."""
    env = os.environ
    return {
        "max_import_body_bytes": int(env.get("MAX_IMPORT_BODY_BYTES", 20 * MIB)),
        "import_batch_size": int(env.get("IMPORT_BATCH_SIZE", 500)),
        "import_poll_seconds": float(env.get("IMPORT_POLL_SECONDS", 1.0)),
        "import_stale_seconds": float(env.get("IMPORT_STALE_SECONDS", 120.0)),
        # export of all customer data: where the other services' parts come from
        "service_urls": {
            name: service_table.internal_url(name, env) for name in ("billing", "assets", "comms")
        },
        "export_timeout_seconds": float(env.get("EXPORT_TIMEOUT_SECONDS", 10.0)),
        "export_stale_seconds": float(env.get("EXPORT_STALE_SECONDS", 120.0)),
        # the services that report their part of an erasure (GET /v1/customers/{id}/erasure-report)
        "erasure_services": [
            s.strip()
            for s in env.get("ERASURE_SERVICES", "customers,billing,assets,comms,accounting-sync").split(",")
            if s.strip()
        ],
    }


def load_settings(**overrides) -> Settings:
    overrides["extra"] = {**_service_extra(), **overrides.get("extra", {})}
    return Settings.from_env(SERVICE, **overrides)
