"""Settings from the environment, in one place, with defaults for a local run.

`Settings` holds what every service reads (database, broker, limits). A service's own settings are
typed too: a frozen dataclass that extends `Settings` with its fields, each naming its environment
variable and its default, e.g.

    @dataclass(frozen=True)
    class BillingSettings(Settings):
        business_name: str = env_setting("BILLING_BUSINESS_NAME", "Fieldbook")

`BillingSettings.from_env("billing")` then builds both; the service name picks
`DATABASE_URL_<SERVICE>` so several services can share one environment. A value that is not one
variable's text (another service's URL, a list) is read in `service_values`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Self

from . import service_table


def env_bool(value: str | None, default: bool = False) -> bool:
    """An on/off setting: 1, true, yes or on (any case) is on; unset or empty is `default`."""
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_setting(variable: str, default: Any) -> Any:
    """A field of a settings dataclass that `environment_values` reads from `variable`."""
    return field(default=default, metadata={"env": variable})


def service_url(name: str) -> Any:
    """A field of a settings dataclass holding another service's internal base URL, which
    `environment_values` reads as `service_table.internal_url` finds it (no trailing slash)."""
    return field(default=service_table.internal_url(name, {}), metadata={"service": name})


def environment_values(settings_class: type, env: Mapping[str, str]) -> dict[str, Any]:
    """The `env_setting` fields of a settings dataclass whose variable is set, each as the type of
    its default: a bool as `env_bool` reads it, an int, a float or the text (unset or empty: the
    field keeps its default, not in the answer); and every `service_url` field."""
    values: dict[str, Any] = {}
    for setting in fields(settings_class):
        text = env.get(setting.metadata.get("env", ""))
        if text:
            values[setting.name] = _typed(text, setting.default)
        if "service" in setting.metadata:
            values[setting.name] = service_table.internal_url(setting.metadata["service"], env).rstrip("/")
    return values


def _typed(text: str, default: Any) -> Any:
    if isinstance(default, bool):
        return env_bool(text, default)
    if isinstance(default, int | float):
        return type(default)(text)
    return text


def var_dir() -> Path:
    """Where local runs keep their SQLite files, logs and pid files (`FIELDBOOK_VAR`, default ./var)."""
    return Path(os.environ.get("FIELDBOOK_VAR", "var")).resolve()


def database_url(name: str, env: Mapping[str, str]) -> str:
    """The database of the service (or the gateway) `name`: `DATABASE_URL_<NAME>`, so several can
    share one environment, else `DATABASE_URL`, else a SQLite file in `var_dir()`."""
    key = name.upper().replace("-", "_")
    return (
        env.get(f"DATABASE_URL_{key}") or env.get("DATABASE_URL") or f"sqlite:///{var_dir() / (name + '.db')}"
    )


@dataclass(frozen=True)
class Settings:
    service: str
    database_url: str
    amqp_url: str = env_setting("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    exchange: str = env_setting("EVENTS_EXCHANGE", "fieldbook.events")
    internal_token: str = env_setting("INTERNAL_TOKEN", "")
    testing: bool = env_setting("FIELDBOOK_TESTING", False)
    # business dates from the kit's test_clock table, set over HTTP (fieldbook_shared.clock); the
    # e2e suite only, never production
    test_clock: bool = env_setting("FIELDBOOK_TEST_CLOCK", False)
    max_body_bytes: int = env_setting("MAX_BODY_BYTES", 1_048_576)
    page_size_default: int = env_setting("PAGE_SIZE_DEFAULT", 25)
    page_size_max: int = env_setting("PAGE_SIZE_MAX", 100)
    idempotency_ttl_hours: int = env_setting("IDEMPOTENCY_TTL_HOURS", 24)
    outbox_retention_hours: int = env_setting("OUTBOX_RETENTION_HOURS", 168)
    inbox_retention_days: int = env_setting("INBOX_RETENTION_DAYS", 30)
    log_level: str = env_setting("LOG_LEVEL", "INFO")
    consumer_prefetch: int = env_setting("CONSUMER_PREFETCH", 200)
    # deliveries applied in one transaction; a batch waits at most CONSUMER_LINGER_MS for more
    consumer_batch_size: int = env_setting("CONSUMER_BATCH_SIZE", 100)
    consumer_linger_ms: int = env_setting("CONSUMER_LINGER_MS", 5)
    # Per-customer order across worker processes (docs/architecture.md, "Scaling a consumer"):
    # P > 0 partition queues `<service>.events.p<k>` behind a consistent-hash exchange on the
    # event's subject, each with a single active consumer; worker WORKER_INDEX of WORKER_COUNT
    # takes its share first and stands by on the rest. 0: the one queue `<service>.events`.
    consumer_partitions: int = env_setting("CONSUMER_PARTITIONS", 0)
    worker_index: int = env_setting("WORKER_INDEX", 0)
    worker_count: int = env_setting("WORKER_COUNT", 1)
    delivery_limit: int = env_setting("DELIVERY_LIMIT", 5)
    relay_batch_size: int = env_setting("RELAY_BATCH_SIZE", 500)
    relay_idle_seconds: float = 0.5

    @classmethod
    def from_env(cls, service: str, **overrides: Any) -> Self:
        env = os.environ
        values: dict[str, Any] = dict(service=service, database_url=database_url(service, env))
        values.update(environment_values(cls, env))
        values.update(cls.service_values(env))
        values.update(overrides)
        return cls(**values)

    @classmethod
    def service_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        """A service's own fields that are not one variable's text, read from `env`, by field name;
        none in the kit's own class."""
        return {}

    def with_(self, **changes: Any) -> Self:
        return replace(self, **changes)

    @property
    def queue(self) -> str:
        return f"{self.service}.events"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.service}.events.dead"
