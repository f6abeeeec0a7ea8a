"""Settings from the environment, in one place, with defaults for a local run.

`Settings` holds what every service reads (database, broker, limits). A service's own settings are
typed too: a frozen dataclass that extends `Settings` with its fields (each with its default) and
reads their variables in `service_values`, e.g.

    @dataclass(frozen=True)
    class BillingSettings(Settings):
        business_name: str = "Fieldbook"

        @classmethod
        def service_values(cls, env):
            return {"business_name": env.get("BILLING_BUSINESS_NAME", cls.business_name)}

`BillingSettings.from_env("billing")` then builds both; the service name picks
`DATABASE_URL_<SERVICE>` so several services can share one environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Self


def env_bool(value: str | None, default: bool = False) -> bool:
    """An on/off setting: 1, true, yes or on (any case) is on; unset or empty is `default`."""
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def var_dir() -> Path:
    """Where local runs keep their SQLite files, logs and pid files (`FIELDBOOK_VAR`, default ./var)."""
    return Path(os.environ.get("FIELDBOOK_VAR", "var")).resolve()


@dataclass(frozen=True)
class Settings:
    service: str
    database_url: str
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    exchange: str = "fieldbook.events"
    internal_token: str = ""
    testing: bool = False
    # business dates from the kit's test_clock table, set over HTTP (fieldbook_shared.clock); the
    # e2e suite only, never production
    test_clock: bool = False
    max_body_bytes: int = 1_048_576
    page_size_default: int = 25
    page_size_max: int = 100
    idempotency_ttl_hours: int = 24
    outbox_retention_hours: int = 168
    inbox_retention_days: int = 30
    log_level: str = "INFO"
    consumer_prefetch: int = 20
    delivery_limit: int = 5
    relay_batch_size: int = 500
    relay_idle_seconds: float = 0.5

    @classmethod
    def from_env(cls, service: str, **overrides: Any) -> Self:
        env = os.environ
        key = service.upper().replace("-", "_")
        default_db = f"sqlite:///{var_dir() / (service + '.db')}"
        values: dict[str, Any] = dict(
            service=service,
            database_url=env.get(f"DATABASE_URL_{key}") or env.get("DATABASE_URL") or default_db,
            amqp_url=env.get("AMQP_URL", cls.amqp_url),
            exchange=env.get("EVENTS_EXCHANGE", cls.exchange),
            internal_token=env.get("INTERNAL_TOKEN", ""),
            testing=env_bool(env.get("FIELDBOOK_TESTING")),
            test_clock=env_bool(env.get("FIELDBOOK_TEST_CLOCK")),
            max_body_bytes=int(env.get("MAX_BODY_BYTES", cls.max_body_bytes)),
            page_size_default=int(env.get("PAGE_SIZE_DEFAULT", cls.page_size_default)),
            page_size_max=int(env.get("PAGE_SIZE_MAX", cls.page_size_max)),
            idempotency_ttl_hours=int(env.get("IDEMPOTENCY_TTL_HOURS", cls.idempotency_ttl_hours)),
            outbox_retention_hours=int(env.get("OUTBOX_RETENTION_HOURS", cls.outbox_retention_hours)),
            inbox_retention_days=int(env.get("INBOX_RETENTION_DAYS", cls.inbox_retention_days)),
            log_level=env.get("LOG_LEVEL", cls.log_level),
            consumer_prefetch=int(env.get("CONSUMER_PREFETCH", cls.consumer_prefetch)),
            delivery_limit=int(env.get("DELIVERY_LIMIT", cls.delivery_limit)),
            relay_batch_size=int(env.get("RELAY_BATCH_SIZE", cls.relay_batch_size)),
        )
        values.update(cls.service_values(env))
        values.update(overrides)
        return cls(**values)

    @classmethod
    def service_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        """A service's own fields read from `env`, by field name; none in the kit's own class."""
        return {}

    def with_(self, **changes: Any) -> Self:
        return replace(self, **changes)

    @property
    def queue(self) -> str:
        return f"{self.service}.events"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.service}.events.dead"
