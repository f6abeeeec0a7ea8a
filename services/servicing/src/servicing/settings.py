"""Every setting of the servicing service, from the environment: the kit's `Settings` and its own.

The reminder chain's offsets (`REMINDER_FIRST_DAYS_BEFORE`, `REMINDER_SECOND_DAYS_BEFORE`,
`REMINDER_OVERDUE_DAYS_AFTER`: days from the service date) and how often the worker runs it
(`REMINDER_POLL_SECONDS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldbook_shared.settings import Settings

from .domain.rules import Offsets

SERVICE = "servicing"


@dataclass(frozen=True)
class ServicingSettings(Settings):
    reminder_first_days_before: int = 28
    reminder_second_days_before: int = 7
    reminder_overdue_days_after: int = 14
    reminder_poll_seconds: float = 5.0

    @classmethod
    def service_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {
            "reminder_first_days_before": int(
                env.get("REMINDER_FIRST_DAYS_BEFORE", cls.reminder_first_days_before)
            ),
            "reminder_second_days_before": int(
                env.get("REMINDER_SECOND_DAYS_BEFORE", cls.reminder_second_days_before)
            ),
            "reminder_overdue_days_after": int(
                env.get("REMINDER_OVERDUE_DAYS_AFTER", cls.reminder_overdue_days_after)
            ),
            "reminder_poll_seconds": float(env.get("REMINDER_POLL_SECONDS", cls.reminder_poll_seconds)),
        }

    @property
    def offsets(self) -> Offsets:
        return Offsets(
            self.reminder_first_days_before,
            self.reminder_second_days_before,
            self.reminder_overdue_days_after,
        )


def load_settings(**overrides: Any) -> ServicingSettings:
    return ServicingSettings.from_env(SERVICE, **overrides)
