"""The synchronous reads of comms (docs/architecture.md §1): a customer it has not yet heard of,
from customers; a statement PDF, from billing. Internal URLs, the internal token, the tenant, a timeout.

404 → None (no such record for this tenant); anything else that is not a 200, or a 200 whose body
is not a JSON object, → `UpstreamUnavailable` (503), so a request never guesses (nor fails with 500).
"""

from __future__ import annotations

import logging

import requests

from fieldbook_shared.problems import DomainError, raise_for_merged_customer

from .settings import CommsSettings

log = logging.getLogger("comms.clients")


class UpstreamUnavailable(DomainError):
    status = 503
    title = "Service unavailable"


class _Client:
    name = "upstream"

    def __init__(self, base_url: str, internal_token: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.internal_token = internal_token
        self.timeout = timeout

    def _get(self, tenant_id: str, path: str, accept: str = "application/json") -> requests.Response | None:
        headers = {
            "X-Internal-Token": self.internal_token,
            "X-Tenant-Id": tenant_id,
            "X-Role": "admin",
            "X-Actor": "system:comms",
            "Accept": accept,
        }
        try:
            resp = requests.get(f"{self.base_url}{path}", headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            log.warning("%s lookup %s failed: %s", self.name, path, type(exc).__name__)
            raise UpstreamUnavailable(f"The {self.name} service did not answer. Try again shortly.") from exc
        raise_for_merged_customer(resp)
        if resp.status_code in (404, 410):
            return None
        if resp.status_code != 200:
            log.warning("%s lookup %s answered %s", self.name, path, resp.status_code)
            raise UpstreamUnavailable(
                f"The {self.name} service could not answer just now (HTTP {resp.status_code})."
            )
        return resp

    def _object(self, resp: requests.Response) -> dict:
        """The JSON object of a 200; an unreadable body (not JSON, not an object) is a 503 here."""
        try:
            data = resp.json()
        except ValueError as exc:
            raise UpstreamUnavailable(f"The {self.name} service gave an unreadable answer.") from exc
        if not isinstance(data, dict):
            raise UpstreamUnavailable(f"The {self.name} service gave an unexpected answer.")
        return data


class CustomersClient(_Client):
    name = "customers"

    @classmethod
    def from_settings(cls, settings: CommsSettings) -> CustomersClient:
        return cls(settings.customers_url, settings.internal_token, settings.internal_timeout_seconds)

    def customer(self, tenant_id: str, customer_id: str) -> dict | None:
        """The customer with its `primary_contact`, or None."""
        resp = self._get(tenant_id, f"/v1/customers/{customer_id}")
        return None if resp is None else self._object(resp)

    def work_address(self, tenant_id: str, customer_id: str, work_address_id: str) -> dict | None:
        resp = self._get(tenant_id, f"/v1/customers/{customer_id}/work-addresses/{work_address_id}")
        return None if resp is None else self._object(resp)


class BillingClient(_Client):
    name = "billing"

    @classmethod
    def from_settings(cls, settings: CommsSettings) -> BillingClient:
        return cls(settings.billing_url, settings.internal_token, settings.internal_timeout_seconds * 4)

    def statement_pdf(self, tenant_id: str, statement_id: str) -> bytes | None:
        resp = self._get(tenant_id, f"/v1/statements/{statement_id}.pdf", accept="application/pdf")
        if resp is None:
            return None
        if not resp.content.startswith(b"%PDF"):
            raise UpstreamUnavailable("The billing service's statement is not a PDF.")
        return resp.content
