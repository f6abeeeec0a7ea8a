"""Every setting of the accounting-sync service, from the environment, in one place.

`SyncSettings`: the kit's `Settings` (database, broker, limits) and accounting-sync's own: where
Sage is, its credentials, and how hard and how often the worker tries. Defaults point at the local
Sage simulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fieldbook_shared.settings import Settings, env_setting

from .domain import retry

SERVICE = "accounting-sync"


@dataclass(frozen=True)
class SyncSettings(Settings):
    # Sage (defaults: the simulator of `services/accounting-sync/simulator`)
    sage_base_url: str = env_setting("SAGE_BASE_URL", "http://127.0.0.1:8090")
    # default: <sage_base_url>/oauth/token (the real one: https://oauth.accounting.sage.com/token)
    sage_token_url: str = env_setting("SAGE_TOKEN_URL", "")
    sage_client_id: str = env_setting("SAGE_CLIENT_ID", "fieldbook-local")
    sage_client_secret: str = env_setting("SAGE_CLIENT_SECRET", "fieldbook-local-secret")
    sage_refresh_token: str = env_setting("SAGE_REFRESH_TOKEN", "sim-refresh-token")
    # The Sage business of a tenant that has not chosen its own (PUT /v1/accounting/business).
    sage_business_id: str = env_setting("SAGE_BUSINESS_ID", "fieldbook-demo")
    sage_timeout_seconds: float = env_setting("SAGE_TIMEOUT_SECONDS", 10.0)
    # where `idempotency_id` goes in a POST body: "root" ({"contact": …, "idempotency_id": …}) or "contact"
    sage_idempotency_placement: str = env_setting("SAGE_IDEMPOTENCY_PLACEMENT", "root")
    # the sync loop
    max_attempts: int = env_setting("SYNC_MAX_ATTEMPTS", 8)
    backoff_base_seconds: float = env_setting("SYNC_BACKOFF_BASE_SECONDS", 2.0)
    backoff_cap_seconds: float = env_setting("SYNC_BACKOFF_CAP_SECONDS", 300.0)
    # a claimed row is retried by another loop after this (crash)
    lease_seconds: float = env_setting("SYNC_LEASE_SECONDS", 30.0)
    loop_idle_seconds: float = env_setting("SYNC_IDLE_SECONDS", 0.5)
    sync_threads: int = env_setting("SYNC_THREADS", 4)  # on PostgreSQL; SQLite runs one
    # in-call retries of one Sage request (429 / 5xx / lost connection) before the attempt fails
    call_retries: int = env_setting("SAGE_CALL_RETRIES", 2)
    # a longer Retry-After ends the attempt instead
    call_retry_max_wait_seconds: float = env_setting("SAGE_CALL_RETRY_MAX_WAIT_SECONDS", 3.0)
    # pacing per business in each worker process (pacing.py); Sage allows ~200 a minute; 0 = off
    sage_calls_per_minute: float = env_setting("SAGE_CALLS_PER_MINUTE", 180.0)
    # a 429 without Retry-After: wait this long (plus jitter) before the next attempt
    throttled_wait_seconds: float = env_setting("SYNC_THROTTLED_WAIT_SECONDS", 5.0)
    # Sage refused our credentials (a refused refresh token, a 401 after a refresh): the wait before
    # the next attempt (plus jitter); the customer keeps its attempts, an operator fixes the login
    auth_failed_wait_seconds: float = env_setting("SYNC_AUTH_FAILED_WAIT_SECONDS", 60.0)
    # money (postings.py): the Sage ledger and bank accounts our documents go to, Sage's tax rate
    # per VAT rate ("20=GB_STANDARD,…"), and how long a posting waits for what it needs (its
    # customer's contact, the invoices it pays) between looks, and in all before a person is asked
    sage_sales_ledger_account_id: str = env_setting("SAGE_SALES_LEDGER_ACCOUNT_ID", "sales-4000")
    sage_bank_account_id: str = env_setting("SAGE_BANK_ACCOUNT_ID", "bank-1200")
    sage_tax_rates: str = env_setting("SAGE_TAX_RATES", "0=GB_ZERO,5=GB_LOWER,20=GB_STANDARD")
    posting_wait_seconds: float = env_setting("POSTING_WAIT_SECONDS", 5.0)
    posting_wait_max_seconds: float = env_setting("POSTING_WAIT_MAX_SECONDS", 300.0)
    posting_wait_review_seconds: float = env_setting("POSTING_WAIT_REVIEW_SECONDS", 3600.0)
    # balances
    balance_poll_seconds: float = env_setting("BALANCE_POLL_SECONDS", 300.0)
    balance_request_check_seconds: float = 1.0
    # an on-demand poll that fails is tried again with a backoff, then given up (failed_at)
    balance_request_max_tries: int = env_setting("BALANCE_REQUEST_MAX_TRIES", 5)
    balance_request_lease_seconds: float = 600.0

    @property
    def retry_policy(self) -> retry.Policy:
        return retry.Policy(
            self.max_attempts,
            self.backoff_base_seconds,
            self.backoff_cap_seconds,
            self.throttled_wait_seconds,
            self.auth_failed_wait_seconds,
        )

    @property
    def token_url(self) -> str:
        return self.sage_token_url or f"{self.sage_base_url.rstrip('/')}/oauth/token"


def load_settings(**overrides: Any) -> SyncSettings:
    return SyncSettings.from_env(SERVICE, **overrides)
