"""Every setting of the comms service, from the environment (the kit's `Settings` and comms' own).

SMTP: `SMTP_HOST` (default 127.0.0.1), `SMTP_PORT` (default 8025, the local sink of `make up`),
`SMTP_USERNAME` / `SMTP_PASSWORD` (login when set), `SMTP_STARTTLS` or `SMTP_SSL` (TLS when set),
`SMTP_TIMEOUT_SECONDS`, `EMAIL_FROM` (the From address), `EMAIL_FROM_NAME`.
Retries of a temporary SMTP failure: `SMTP_RETRY_BASE_SECONDS` (doubling per attempt),
`SMTP_RETRY_MAX_SECONDS` (cap), `SMTP_MAX_ATTEMPTS` (then the email is failed).
Worker loops: `SENDER_POLL_SECONDS`, `SENDER_BATCH_SIZE`, `MASS_EMAIL_POLL_SECONDS`,
`MASS_EMAIL_WAIT_SECONDS` (how long a job waits for customers' events before fetching the
customers it has not heard of).
SMS (the provider's HTTP API, services/comms/README.md; `make up` runs its simulator):
`SMS_PROVIDER_URL`, `SMS_API_KEY` (Bearer credential), `SMS_FROM` (sender id), `SMS_STATUS_CALLBACK_URL`
(where the provider POSTs delivery receipts: the gateway's `/v1/public/sms-receipts`, the tenant
appended), `SMS_RECEIPT_SECRET` (receipts must be signed with it; none set → every receipt refused),
`SMS_TIMEOUT_SECONDS`, `SMS_RETRY_BASE_SECONDS`, `SMS_RETRY_MAX_SECONDS`, `SMS_MAX_ATTEMPTS`,
`SMS_POLL_SECONDS`.
Other services: `CUSTOMERS_URL`, `BILLING_URL`, `UPSTREAM_TIMEOUT_SECONDS`; `GATEWAY_URL` (the
gateway's internal URL: who a tenant's admins are, to email them what needs an admin).
Sizes: `MAX_EMAIL_BODY_BYTES` (request body of /v1/emails and /v1/mass-emails; attachments are
base64 in JSON, so larger than the 16 MB of attachments), `MAX_ATTACHMENTS_BYTES` (16 MiB).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fieldbook_shared.settings import Settings, env_setting, service_url

SERVICE = "comms"
MIB = 1024 * 1024


@dataclass(frozen=True)
class CommsSettings(Settings):
    smtp_host: str = env_setting("SMTP_HOST", "127.0.0.1")
    smtp_port: int = env_setting("SMTP_PORT", 8025)
    smtp_username: str = env_setting("SMTP_USERNAME", "")
    smtp_password: str = env_setting("SMTP_PASSWORD", "")
    smtp_starttls: bool = env_setting("SMTP_STARTTLS", False)
    smtp_ssl: bool = env_setting("SMTP_SSL", False)
    smtp_timeout: float = env_setting("SMTP_TIMEOUT_SECONDS", 20.0)
    email_from: str = env_setting("EMAIL_FROM", "office@fieldbook.invalid")
    email_from_name: str = env_setting("EMAIL_FROM_NAME", "Fieldbook")
    smtp_retry_base: float = env_setting("SMTP_RETRY_BASE_SECONDS", 30.0)
    smtp_retry_max: float = env_setting("SMTP_RETRY_MAX_SECONDS", 1800.0)
    smtp_max_attempts: int = env_setting("SMTP_MAX_ATTEMPTS", 12)
    sender_poll: float = env_setting("SENDER_POLL_SECONDS", 1.0)
    sender_batch: int = env_setting("SENDER_BATCH_SIZE", 50)
    sending_lease: float = env_setting("SENDING_LEASE_SECONDS", 300.0)
    mass_email_poll: float = env_setting("MASS_EMAIL_POLL_SECONDS", 1.0)
    mass_email_wait: float = env_setting("MASS_EMAIL_WAIT_SECONDS", 60.0)
    sms_provider_url: str = env_setting("SMS_PROVIDER_URL", "http://127.0.0.1:8091")
    sms_api_key: str = env_setting("SMS_API_KEY", "")
    sms_from: str = env_setting("SMS_FROM", "Fieldbook")
    sms_status_callback_url: str = env_setting(
        "SMS_STATUS_CALLBACK_URL", "http://127.0.0.1:8000/v1/public/sms-receipts"
    )
    sms_receipt_secret: str = env_setting("SMS_RECEIPT_SECRET", "")
    sms_timeout: float = env_setting("SMS_TIMEOUT_SECONDS", 10.0)
    sms_retry_base: float = env_setting("SMS_RETRY_BASE_SECONDS", 30.0)
    sms_retry_max: float = env_setting("SMS_RETRY_MAX_SECONDS", 1800.0)
    sms_max_attempts: int = env_setting("SMS_MAX_ATTEMPTS", 12)
    sms_poll: float = env_setting("SMS_POLL_SECONDS", 1.0)
    customers_url: str = service_url("customers")
    billing_url: str = service_url("billing")
    gateway_url: str = env_setting("GATEWAY_URL", "http://127.0.0.1:8000")
    # each call to customers; a statement PDF from billing gets 4 times as long (UPSTREAM_TIMEOUT_SECONDS)
    internal_timeout_seconds: float = env_setting("UPSTREAM_TIMEOUT_SECONDS", 5.0)
    max_email_body_bytes: int = env_setting("MAX_EMAIL_BODY_BYTES", 24 * MIB)
    max_attachments_bytes: int = env_setting("MAX_ATTACHMENTS_BYTES", 16 * MIB)


def load_settings(**overrides: Any) -> CommsSettings:
    return CommsSettings.from_env(SERVICE, **overrides)
