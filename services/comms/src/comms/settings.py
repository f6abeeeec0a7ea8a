"""Every setting of the comms service, from the environment (the kit's `Settings` and comms' own).

SMTP: `SMTP_HOST` (default 127.0.0.1), `SMTP_PORT` (default 8025, the local sink of `make up`),
`SMTP_USERNAME` / `SMTP_PASSWORD` (login when set), `SMTP_STARTTLS` or `SMTP_SSL` (TLS when set),
`SMTP_TIMEOUT_SECONDS`, `EMAIL_FROM` (the From address), `EMAIL_FROM_NAME`.
Retries of a temporary SMTP failure: `SMTP_RETRY_BASE_SECONDS` (doubling per attempt),
`SMTP_RETRY_MAX_SECONDS` (cap), `SMTP_MAX_ATTEMPTS` (then the email is failed).
Worker loops: `SENDER_POLL_SECONDS`, `SENDER_BATCH_SIZE`, `MASS_EMAIL_POLL_SECONDS`,
`MASS_EMAIL_WAIT_SECONDS` (how long a job waits for customers' events before fetching the
customers it has not heard of).
Other services: `CUSTOMERS_URL`, `BILLING_URL`, `UPSTREAM_TIMEOUT_SECONDS`.
Sizes: `MAX_EMAIL_BODY_BYTES` (request body of /v1/emails and /v1/mass-emails; attachments are
base64 in JSON, so larger than the 16 MB of attachments), `MAX_ATTACHMENTS_BYTES` (16 MiB).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldbook_shared import service_table
from fieldbook_shared.settings import Settings, env_bool

SERVICE = "comms"
MIB = 1024 * 1024


@dataclass(frozen=True)
class CommsSettings(Settings):
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout: float = 20.0
    email_from: str = "office@fieldbook.invalid"
    email_from_name: str = "Fieldbook"
    smtp_retry_base: float = 30.0
    smtp_retry_max: float = 1800.0
    smtp_max_attempts: int = 12
    sender_poll: float = 1.0
    sender_batch: int = 50
    sending_lease: float = 300.0
    mass_email_poll: float = 1.0
    mass_email_wait: float = 60.0
    customers_url: str = "http://127.0.0.1:8001"
    billing_url: str = "http://127.0.0.1:8002"
    # each call to customers; a statement PDF from billing gets 4 times as long (UPSTREAM_TIMEOUT_SECONDS)
    internal_timeout_seconds: float = 5.0
    max_email_body_bytes: int = 24 * MIB
    max_attachments_bytes: int = 16 * MIB

    @classmethod
    def service_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {
            "smtp_host": env.get("SMTP_HOST", cls.smtp_host),
            "smtp_port": int(env.get("SMTP_PORT", cls.smtp_port)),
            "smtp_username": env.get("SMTP_USERNAME", cls.smtp_username),
            "smtp_password": env.get("SMTP_PASSWORD", cls.smtp_password),
            "smtp_starttls": env_bool(env.get("SMTP_STARTTLS")),
            "smtp_ssl": env_bool(env.get("SMTP_SSL")),
            "smtp_timeout": float(env.get("SMTP_TIMEOUT_SECONDS", cls.smtp_timeout)),
            "email_from": env.get("EMAIL_FROM", cls.email_from),
            "email_from_name": env.get("EMAIL_FROM_NAME", cls.email_from_name),
            "smtp_retry_base": float(env.get("SMTP_RETRY_BASE_SECONDS", cls.smtp_retry_base)),
            "smtp_retry_max": float(env.get("SMTP_RETRY_MAX_SECONDS", cls.smtp_retry_max)),
            "smtp_max_attempts": int(env.get("SMTP_MAX_ATTEMPTS", cls.smtp_max_attempts)),
            "sender_poll": float(env.get("SENDER_POLL_SECONDS", cls.sender_poll)),
            "sender_batch": int(env.get("SENDER_BATCH_SIZE", cls.sender_batch)),
            "sending_lease": float(env.get("SENDING_LEASE_SECONDS", cls.sending_lease)),
            "mass_email_poll": float(env.get("MASS_EMAIL_POLL_SECONDS", cls.mass_email_poll)),
            "mass_email_wait": float(env.get("MASS_EMAIL_WAIT_SECONDS", cls.mass_email_wait)),
            "customers_url": service_table.internal_url("customers", env),
            "billing_url": service_table.internal_url("billing", env),
            "internal_timeout_seconds": float(
                env.get("UPSTREAM_TIMEOUT_SECONDS", cls.internal_timeout_seconds),
            ),
            "max_email_body_bytes": int(env.get("MAX_EMAIL_BODY_BYTES", cls.max_email_body_bytes)),
            "max_attachments_bytes": int(env.get("MAX_ATTACHMENTS_BYTES", cls.max_attachments_bytes)),
        }


def load_settings(**overrides: Any) -> CommsSettings:
    return CommsSettings.from_env(SERVICE, **overrides)
