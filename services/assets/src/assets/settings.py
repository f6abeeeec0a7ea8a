"""Every setting of the assets service, from the environment: the kit's `Settings` and assets' own.

Beside the kit's settings: `CUSTOMERS_URL` (the customers service's internal URL, for the one
synchronous read of a customer / work address / branch not yet heard of through events) and
`CUSTOMERS_TIMEOUT` (seconds, for that read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fieldbook_shared.settings import Settings, env_setting, service_url

SERVICE = "assets"


@dataclass(frozen=True)
class AssetsSettings(Settings):
    customers_url: str = service_url("customers")
    # each read from customers
    internal_timeout_seconds: float = env_setting("CUSTOMERS_TIMEOUT", 3.0)


def load_settings(**overrides: Any) -> AssetsSettings:
    return AssetsSettings.from_env(SERVICE, **overrides)
