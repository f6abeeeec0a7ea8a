"""The one synchronous read of the assets service: a customer, work address or branch it has not yet
heard of through events, fetched once from the customers service's internal URL (docs/architecture.md §1).

Every call carries the internal token and the tenant, speaks as `system:assets` with the admin
role, and has a timeout. 404 → None (there is no such record for this tenant); anything else that
is not a 200 → `CustomersUnavailable` (503), so a request never guesses.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import requests

from fieldbook_shared.problems import DomainError, raise_for_merged_customer

from .settings import AssetsSettings

log = logging.getLogger("assets.customers_client")


class CustomersUnavailable(DomainError):
    status = 503
    title = "Service unavailable"


class CustomerLookup(Protocol):
    def customer(self, tenant_id: str, customer_id: str) -> dict | None: ...

    def work_address(self, tenant_id: str, customer_id: str, work_address_id: str) -> dict | None: ...

    def branch(self, tenant_id: str, customer_id: str, branch_id: str) -> dict | None: ...


class CustomersClient:
    """Reads single records from customers over HTTP, keeping one requests.Session per thread
    (gunicorn runs threaded workers; a Session is not meant to be shared between threads)."""

    def __init__(self, base_url: str, internal_token: str, timeout: float = 3.0):
        self.base_url = base_url.rstrip("/")
        self.internal_token = internal_token
        self.timeout = timeout
        self._local = threading.local()

    @classmethod
    def from_settings(cls, settings: AssetsSettings) -> CustomersClient:
        return cls(settings.customers_url, settings.internal_token, settings.internal_timeout_seconds)

    def _get(self, tenant_id: str, path: str) -> dict | None:
        headers = {
            "X-Internal-Token": self.internal_token,
            "X-Tenant-Id": tenant_id,
            "X-Role": "admin",
            "X-Actor": "system:assets",
            "Accept": "application/json",
        }
        http = getattr(self._local, "session", None)
        if http is None:
            http = self._local.session = requests.Session()
        try:
            resp = http.get(f"{self.base_url}{path}", headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            log.warning("customers lookup %s failed: %s", path, type(exc).__name__)
            raise CustomersUnavailable(
                "The customer record could not be checked just now. Try again shortly."
            ) from exc
        raise_for_merged_customer(resp)
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            log.warning("customers lookup %s answered %s", path, resp.status_code)
            raise CustomersUnavailable(
                "The customer record could not be checked just now. Try again shortly."
            )
        try:
            return resp.json()
        except ValueError as exc:
            raise CustomersUnavailable("The customers service gave an unreadable answer.") from exc

    def customer(self, tenant_id: str, customer_id: str) -> dict | None:
        return self._get(tenant_id, f"/v1/customers/{customer_id}")

    def work_address(self, tenant_id: str, customer_id: str, work_address_id: str) -> dict | None:
        return self._get(tenant_id, f"/v1/customers/{customer_id}/work-addresses/{work_address_id}")

    def branch(self, tenant_id: str, customer_id: str, branch_id: str) -> dict | None:
        return self._get(tenant_id, f"/v1/customers/{customer_id}/branches/{branch_id}")
