"""Every console setting, read from the environment in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass

from fieldbook_shared import service_table
from fieldbook_shared.settings import env_bool


@dataclass(frozen=True)
class Settings:
    # the gateway's internal base URL: every call the console makes goes through the public API
    gateway_url: str
    # signs the console's cookie (the session token and the CSRF secret live in it)
    secret_key: str
    page_size: int = 20
    timeout: float = 15.0
    log_level: str = "INFO"
    testing: bool = False

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        env = os.environ
        values = {
            "gateway_url": (env.get("GATEWAY_URL") or service_table.internal_url("gateway", env)).rstrip("/"),
            "secret_key": env.get("CONSOLE_SECRET_KEY", ""),
            "page_size": int(env.get("CONSOLE_PAGE_SIZE", cls.page_size)),
            "timeout": float(env.get("UPSTREAM_TIMEOUT_SECONDS", cls.timeout)),
            "log_level": env.get("LOG_LEVEL", cls.log_level),
            "testing": env_bool(env.get("FIELDBOOK_TESTING")),
        }
        values.update(overrides)
        return cls(**values)
