"""Every setting of the customers service, from the environment: the kit's `Settings` and its own
(the CSV import, the export of all customer data, the erasure report)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fieldbook_shared import service_table
from fieldbook_shared.settings import Settings

SERVICE = "customers"
MIB = 1024 * 1024


@dataclass(frozen=True)
class CustomersSettings(Settings):
    max_import_body_bytes: int = 20 * MIB
    import_batch_size: int = 500
    import_poll_seconds: float = 1.0
    import_stale_seconds: float = 120.0
    # export of all customer data: where the other services' parts come from (every service's
    # internal URL; the export's plan says which parts each one gives)
    service_urls: dict[str, str] = field(default_factory=dict)
    internal_timeout_seconds: float = 10.0  # each page of another service's part (EXPORT_TIMEOUT_SECONDS)
    export_stale_seconds: float = 120.0
    # the services that report their part of an erasure (GET /v1/customers/{id}/erasure-report)
    erasure_services: tuple[str, ...] = tuple(s.name for s in service_table.upstreams())

    @classmethod
    def service_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        erasure = env.get("ERASURE_SERVICES")
        return {
            "max_import_body_bytes": int(env.get("MAX_IMPORT_BODY_BYTES", cls.max_import_body_bytes)),
            "import_batch_size": int(env.get("IMPORT_BATCH_SIZE", cls.import_batch_size)),
            "import_poll_seconds": float(env.get("IMPORT_POLL_SECONDS", cls.import_poll_seconds)),
            "import_stale_seconds": float(env.get("IMPORT_STALE_SECONDS", cls.import_stale_seconds)),
            "service_urls": {
                s.name: service_table.internal_url(s.name, env)
                for s in service_table.upstreams()
                if s.name != SERVICE
            },
            "internal_timeout_seconds": float(
                env.get("EXPORT_TIMEOUT_SECONDS", cls.internal_timeout_seconds),
            ),
            "export_stale_seconds": float(env.get("EXPORT_STALE_SECONDS", cls.export_stale_seconds)),
            "erasure_services": cls.erasure_services
            if erasure is None
            else tuple(s.strip() for s in erasure.split(",") if s.strip()),
        }


def load_settings(**overrides: Any) -> CustomersSettings:
    return CustomersSettings.from_env(SERVICE, **overrides)
