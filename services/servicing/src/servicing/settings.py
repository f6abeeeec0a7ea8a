"""Every setting of the servicing service, from the environment: the kit's `Settings` and its own.

The reminder chain's offsets (`REMINDER_FIRST_DAYS_BEFORE`, `REMINDER_SECOND_DAYS_BEFORE`,
`REMINDER_OVERDUE_DAYS_AFTER`: days from the service date) and how often the worker runs it
(`REMINDER_POLL_SECONDS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fieldbook_shared.settings import Settings, env_setting

from .domain.rules import Offsets

SERVICE = "servicing"


@dataclass(frozen=True)
class ServicingSettings(Settings):
    reminder_first_days_before: int = env_setting("REMINDER_FIRST_DAYS_BEFORE", 28)
    reminder_second_days_before: int = env_setting("REMINDER_SECOND_DAYS_BEFORE", 7)
    reminder_overdue_days_after: int = env_setting("REMINDER_OVERDUE_DAYS_AFTER", 14)
    reminder_poll_seconds: float = env_setting("REMINDER_POLL_SECONDS", 5.0)

    @property
    def offsets(self) -> Offsets:
        return Offsets(
            self.reminder_first_days_before,
            self.reminder_second_days_before,
            self.reminder_overdue_days_after,
        )


def load_settings(**overrides: Any) -> ServicingSettings:
    return ServicingSettings.from_env(SERVICE, **overrides)
