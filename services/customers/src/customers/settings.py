"""Every setting of the customers service, from the environment: the kit's `Settings` and its own
(the CSV import, the export of all customer data, the erasure report)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fieldbook_shared import service_table
from fieldbook_shared.settings import Settings, env_setting

SERVICE = "customers"
MIB = 1024 * 1024


@dataclass(frozen=True)
class CustomersSettings(Settings):
    max_import_body_bytes: int = env_setting("MAX_IMPORT_BODY_BYTES", 20 * MIB)
    import_batch_size: int = env_setting("IMPORT_BATCH_SIZE", 500)
    # work addresses are imported set-based (staged, JOINed, INSERT … SELECT): larger batches;
    # 10,000 keeps the worker under 150 MiB (20,000 peaked at 162 MiB for ~15% less import time)
    import_site_batch_size: int = env_setting("IMPORT_SITE_BATCH_SIZE", 10_000)
    # a queued import waits for the next poll: a second was a tenth of a 10,000-row import's time
    import_poll_seconds: float = env_setting("IMPORT_POLL_SECONDS", 0.2)
    import_stale_seconds: float = env_setting("IMPORT_STALE_SECONDS", 120.0)
    # export of all customer data: where the other services' parts come from (every service's
    # internal URL; the export's plan says which parts each one gives)
    service_urls: dict[str, str] = field(default_factory=dict)
    # each page of another service's part
    internal_timeout_seconds: float = env_setting("EXPORT_TIMEOUT_SECONDS", 10.0)
    export_stale_seconds: float = env_setting("EXPORT_STALE_SECONDS", 120.0)
    # the services that report their part of an erasure (GET /v1/customers/{id}/erasure-report)
    erasure_services: tuple[str, ...] = tuple(s.name for s in service_table.upstreams())

    @classmethod
    def service_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        erasure = env.get("ERASURE_SERVICES")
        return {
            "service_urls": {
                s.name: service_table.internal_url(s.name, env)
                for s in service_table.upstreams()
                if s.name != SERVICE
            },
            "erasure_services": cls.erasure_services
            if erasure is None
            else tuple(s.strip() for s in erasure.split(",") if s.strip()),
        }


def load_settings(**overrides: Any) -> CustomersSettings:
    return CustomersSettings.from_env(SERVICE, **overrides)
