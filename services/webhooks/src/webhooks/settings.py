"""Every setting of the webhooks service, from the environment: the kit's `Settings` and its own.

- `WEBHOOK_TIMEOUT_SECONDS` (5): how long one delivery waits for the partner's answer; short, so a
  slow endpoint holds up only its own customers' deliveries.
- `WEBHOOK_RETRY_BASE_SECONDS` (30) and `WEBHOOK_RETRY_MAX_SECONDS` (3600): the wait after the n-th
  failed attempt is base × 2^(n-1), at most the max.
- `WEBHOOK_RETRY_FOR_SECONDS` (259200, 3 days): a delivery still failing that long after its event
  is given up (`failed`; it can be replayed).
- `WEBHOOK_DISABLE_AFTER_SECONDS` (432000, 5 days): an endpoint failing every attempt that long is
  disabled and its admin told (`webhook_endpoint.disabled`).
- `WEBHOOK_ALLOW_PRIVATE_URLS` (off; on under `FIELDBOOK_TESTING`): endpoints on private, loopback
  or link-local addresses; off in production (SSRF, docs/architecture.md).
- `WEBHOOK_POLL_SECONDS` (1), `WEBHOOK_LEASE_SECONDS` (60), `WEBHOOK_BATCH` (20): the sender loop.
- `WEBHOOK_ROTATION_OVERLAP_HOURS` (24): how long the old secret still signs after a rotation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldbook_shared.settings import Settings, env_bool

from .domain.rules import Backoff

SERVICE = "webhooks"


@dataclass(frozen=True)
class WebhooksSettings(Settings):
    webhook_timeout_seconds: float = 5.0
    webhook_retry_base_seconds: float = 30.0
    webhook_retry_max_seconds: float = 3600.0
    webhook_retry_for_seconds: float = 3 * 86400.0
    webhook_disable_after_seconds: float = 5 * 86400.0
    webhook_allow_private_urls: bool = False
    webhook_poll_seconds: float = 1.0
    webhook_lease_seconds: float = 60.0
    webhook_batch: int = 20
    webhook_rotation_overlap_hours: int = 24

    @classmethod
    def service_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        floats = {
            "webhook_timeout_seconds": "WEBHOOK_TIMEOUT_SECONDS",
            "webhook_retry_base_seconds": "WEBHOOK_RETRY_BASE_SECONDS",
            "webhook_retry_max_seconds": "WEBHOOK_RETRY_MAX_SECONDS",
            "webhook_retry_for_seconds": "WEBHOOK_RETRY_FOR_SECONDS",
            "webhook_disable_after_seconds": "WEBHOOK_DISABLE_AFTER_SECONDS",
            "webhook_poll_seconds": "WEBHOOK_POLL_SECONDS",
            "webhook_lease_seconds": "WEBHOOK_LEASE_SECONDS",
        }
        values: dict[str, Any] = {
            name: float(env.get(var, getattr(cls, name))) for name, var in floats.items()
        }
        values["webhook_batch"] = int(env.get("WEBHOOK_BATCH", cls.webhook_batch))
        values["webhook_rotation_overlap_hours"] = int(
            env.get("WEBHOOK_ROTATION_OVERLAP_HOURS", cls.webhook_rotation_overlap_hours)
        )
        testing = env_bool(env.get("FIELDBOOK_TESTING"))
        values["webhook_allow_private_urls"] = env_bool(env.get("WEBHOOK_ALLOW_PRIVATE_URLS"), testing)
        return values

    @property
    def backoff(self) -> Backoff:
        return Backoff(
            self.webhook_retry_base_seconds,
            self.webhook_retry_max_seconds,
            self.webhook_retry_for_seconds,
            self.webhook_disable_after_seconds,
        )


def load_settings(**overrides: Any) -> WebhooksSettings:
    return WebhooksSettings.from_env(SERVICE, **overrides)
