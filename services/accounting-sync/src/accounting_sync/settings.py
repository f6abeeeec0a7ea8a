"""Every setting of the accounting-sync service, from the environment, in one place.

`SyncSettings`: the kit's `Settings` (database, broker, limits) and accounting-sync's own: where
Sage is, its credentials, and how hard and how often the worker tries. Defaults point at the local
Sage simulator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldbook_shared.settings import Settings

from .domain import retry

SERVICE = "accounting-sync"


@dataclass(frozen=True)
class SyncSettings(Settings):
    # Sage (defaults: the simulator of `services/accounting-sync/simulator`)
    sage_base_url: str = "http://127.0.0.1:8090"
    sage_token_url: str = (
        ""  # default: <sage_base_url>/oauth/token (the real one: https://oauth.accounting.sage.com/token)
    )
    sage_client_id: str = "fieldbook-local"
    sage_client_secret: str = "fieldbook-local-secret"
    sage_refresh_token: str = "sim-refresh-token"
    # The Sage business of a tenant that has not chosen its own (PUT /v1/accounting/business).
    sage_business_id: str = "fieldbook-demo"
    sage_timeout_seconds: float = 10.0
    # where `idempotency_id` goes in a POST body: "root" ({"contact": …, "idempotency_id": …}) or "contact"
    sage_idempotency_placement: str = "root"
    # the sync loop
    max_attempts: int = 8
    backoff_base_seconds: float = 2.0
    backoff_cap_seconds: float = 300.0
    lease_seconds: float = 30.0  # a claimed row is retried by another loop after this (crash)
    loop_idle_seconds: float = 0.5
    sync_threads: int = 4  # on PostgreSQL; SQLite runs one
    # in-call retries of one Sage request (429 / 5xx / lost connection) before the attempt fails
    call_retries: int = 2
    call_retry_max_wait_seconds: float = 3.0  # a longer Retry-After ends the attempt instead
    # pacing per business in each worker process (pacing.py); Sage allows ~200 a minute; 0 = off
    sage_calls_per_minute: float = 180.0
    # a 429 without Retry-After: wait this long (plus jitter) before the next attempt
    throttled_wait_seconds: float = 5.0
    # Sage refused our credentials (a refused refresh token, a 401 after a refresh): the wait before
    # the next attempt (plus jitter); the customer keeps its attempts, an operator fixes the login
    auth_failed_wait_seconds: float = 60.0
    # money (postings.py): the Sage ledger and bank accounts our documents go to, Sage's tax rate
    # per VAT rate ("20=GB_STANDARD,…"), and how long a posting waits for what it needs (its
    # customer's contact, the invoices it pays) between looks, and in all before a person is asked
    sage_sales_ledger_account_id: str = "sales-4000"
    sage_bank_account_id: str = "bank-1200"
    sage_tax_rates: str = "0=GB_ZERO,5=GB_LOWER,20=GB_STANDARD"
    posting_wait_seconds: float = 5.0
    posting_wait_review_seconds: float = 3600.0
    # balances
    balance_poll_seconds: float = 300.0
    balance_request_check_seconds: float = 1.0
    # an on-demand poll that fails is tried again with a backoff, then given up (failed_at)
    balance_request_max_tries: int = 5
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

    @classmethod
    def service_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return dict(
            sage_base_url=env.get("SAGE_BASE_URL") or cls.sage_base_url,
            sage_token_url=env.get("SAGE_TOKEN_URL") or cls.sage_token_url,
            sage_client_id=env.get("SAGE_CLIENT_ID") or cls.sage_client_id,
            sage_client_secret=env.get("SAGE_CLIENT_SECRET") or cls.sage_client_secret,
            sage_refresh_token=env.get("SAGE_REFRESH_TOKEN") or cls.sage_refresh_token,
            sage_business_id=env.get("SAGE_BUSINESS_ID") or cls.sage_business_id,
            sage_timeout_seconds=float(env.get("SAGE_TIMEOUT_SECONDS", cls.sage_timeout_seconds)),
            sage_idempotency_placement=env.get("SAGE_IDEMPOTENCY_PLACEMENT", cls.sage_idempotency_placement),
            max_attempts=int(env.get("SYNC_MAX_ATTEMPTS", cls.max_attempts)),
            backoff_base_seconds=float(env.get("SYNC_BACKOFF_BASE_SECONDS", cls.backoff_base_seconds)),
            backoff_cap_seconds=float(env.get("SYNC_BACKOFF_CAP_SECONDS", cls.backoff_cap_seconds)),
            lease_seconds=float(env.get("SYNC_LEASE_SECONDS", cls.lease_seconds)),
            loop_idle_seconds=float(env.get("SYNC_IDLE_SECONDS", cls.loop_idle_seconds)),
            sync_threads=int(env.get("SYNC_THREADS", cls.sync_threads)),
            call_retries=int(env.get("SAGE_CALL_RETRIES", cls.call_retries)),
            call_retry_max_wait_seconds=float(
                env.get("SAGE_CALL_RETRY_MAX_WAIT_SECONDS", cls.call_retry_max_wait_seconds)
            ),
            sage_calls_per_minute=float(env.get("SAGE_CALLS_PER_MINUTE", cls.sage_calls_per_minute)),
            throttled_wait_seconds=float(env.get("SYNC_THROTTLED_WAIT_SECONDS", cls.throttled_wait_seconds)),
            auth_failed_wait_seconds=float(
                env.get("SYNC_AUTH_FAILED_WAIT_SECONDS", cls.auth_failed_wait_seconds)
            ),
            sage_sales_ledger_account_id=env.get(
                "SAGE_SALES_LEDGER_ACCOUNT_ID", cls.sage_sales_ledger_account_id
            ),
            sage_bank_account_id=env.get("SAGE_BANK_ACCOUNT_ID", cls.sage_bank_account_id),
            sage_tax_rates=env.get("SAGE_TAX_RATES", cls.sage_tax_rates),
            posting_wait_seconds=float(env.get("POSTING_WAIT_SECONDS", cls.posting_wait_seconds)),
            posting_wait_review_seconds=float(
                env.get("POSTING_WAIT_REVIEW_SECONDS", cls.posting_wait_review_seconds)
            ),
            balance_poll_seconds=float(env.get("BALANCE_POLL_SECONDS", cls.balance_poll_seconds)),
            balance_request_max_tries=int(
                env.get("BALANCE_REQUEST_MAX_TRIES", cls.balance_request_max_tries)
            ),
        )


def load_settings(**overrides: Any) -> SyncSettings:
    return SyncSettings.from_env(SERVICE, **overrides)
