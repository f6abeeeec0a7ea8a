"""Every setting of the comms service, from the environment (the kit's Settings + `extra`).

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

import os

from fieldbook_shared import service_table
from fieldbook_shared.settings import Settings, _bool

SERVICE = "comms"
MIB = 1024 * 1024


def _extra_from_env() -> dict:
    env = os.environ
    return {
        "smtp_host": env.get("SMTP_HOST", "127.0.0.1"),
        "smtp_port": int(env.get("SMTP_PORT", "8025")),
        "smtp_username": env.get("SMTP_USERNAME", ""),
        "smtp_password": env.get("SMTP_PASSWORD", ""),
        "smtp_starttls": _bool(env.get("SMTP_STARTTLS")),
        "smtp_ssl": _bool(env.get("SMTP_SSL")),
        "smtp_timeout": float(env.get("SMTP_TIMEOUT_SECONDS", "20")),
        "email_from": env.get("EMAIL_FROM", "office@fieldbook.invalid"),
        "email_from_name": env.get("EMAIL_FROM_NAME", "Fieldbook"),
        "smtp_retry_base": float(env.get("SMTP_RETRY_BASE_SECONDS", "30")),
        "smtp_retry_max": float(env.get("SMTP_RETRY_MAX_SECONDS", "1800")),
        "smtp_max_attempts": int(env.get("SMTP_MAX_ATTEMPTS", "12")),
        "sender_poll": float(env.get("SENDER_POLL_SECONDS", "1")),
        "sender_batch": int(env.get("SENDER_BATCH_SIZE", "50")),
        "sending_lease": float(env.get("SENDING_LEASE_SECONDS", "300")),
        "mass_email_poll": float(env.get("MASS_EMAIL_POLL_SECONDS", "1")),
        "mass_email_wait": float(env.get("MASS_EMAIL_WAIT_SECONDS", "60")),
        "customers_url": service_table.internal_url("customers", env),
        "billing_url": service_table.internal_url("billing", env),
        "upstream_timeout": float(env.get("UPSTREAM_TIMEOUT_SECONDS", "5")),
        "max_email_body_bytes": int(env.get("MAX_EMAIL_BODY_BYTES", str(24 * MIB))),
        "max_attachments_bytes": int(env.get("MAX_ATTACHMENTS_BYTES", str(16 * MIB))),
    }


def load_settings(**overrides) -> Settings:
    extra = _extra_from_env()
    extra.update(overrides.pop("extra", {}) or {})
    return Settings.from_env(SERVICE, extra=extra, **overrides)
