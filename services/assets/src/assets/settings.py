"""Every setting of the assets service, from the environment: the kit's `Settings` and assets' own.

Beside the kit's settings: `CUSTOMERS_URL` (the customers service's internal URL, for the one
synchronous read of a customer / work address / branch not yet heard of through events) and
`CUSTOMERS_TIMEOUT` (seconds, for that read).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldbook_shared import service_table
from fieldbook_shared.settings import Settings

SERVICE = "assets"


@dataclass(frozen=True)
class AssetsSettings(Settings):
    customers_url: str = "http://127.0.0.1:8001"
    internal_timeout_seconds: float = 3.0  # each read from customers (CUSTOMERS_TIMEOUT)

    @classmethod
    def service_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {
            "customers_url": service_table.internal_url("customers", env).rstrip("/"),
            "internal_timeout_seconds": float(env.get("CUSTOMERS_TIMEOUT", cls.internal_timeout_seconds)),
        }


def load_settings(**overrides: Any) -> AssetsSettings:
    return AssetsSettings.from_env(SERVICE, **overrides)
