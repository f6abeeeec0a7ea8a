"""The one client for a service's synchronous calls to another over its internal URL
(docs/architecture.md §1): a customer not yet heard of through events, billing's document admission,
a statement PDF, a page of an export part.

Every call carries the internal token and the tenant, speaks as the calling service (admin role,
actor `system:<service>` unless the call names another), and has a timeout. One `requests.Session`
per thread: gunicorn runs threaded workers, and a Session is not meant to be shared between threads.

How an answer is read (`read`, `read_object`), the same in every service:
- 200 → the answer;
- 404 → None: no such record for this tenant;
- 410 naming `merged_into` → the kit's `CustomerMerged` (410, naming the survivor), passed on;
- anything else (a 5xx, a 410 that names no survivor, no answer, an unreadable body) →
  `UpstreamUnavailable` (503): a request never guesses, nor fails with a 500.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import requests

from .context import ACTOR_HEADER, INTERNAL_TOKEN_HEADER, ROLE_HEADER, TENANT_HEADER
from .keepalive import fresh_session
from .problems import DomainError, raise_for_merged_customer

log = logging.getLogger("fieldbook.internal_client")


class UpstreamUnavailable(DomainError):
    """Another service did not answer, or not in a way this one can use: 503, try again."""

    status = 503
    title = "Service unavailable"


class InternalClient:
    """Calls to one other service (`upstream`, e.g. "customers") on behalf of `service`."""

    def __init__(self, upstream: str, base_url: str, internal_token: str, timeout: float, service: str):
        self.upstream = upstream
        self.base_url = base_url.rstrip("/")
        self.internal_token = internal_token
        self.timeout = timeout
        self.actor = f"system:{service}"
        self._local = threading.local()

    @property
    def http(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = fresh_session()
        return session

    def headers(self, tenant_id: str, accept: str = "application/json", actor: str | None = None) -> dict:
        return {
            INTERNAL_TOKEN_HEADER: self.internal_token,
            TENANT_HEADER: tenant_id,
            ROLE_HEADER: "admin",
            ACTOR_HEADER: actor or self.actor,
            "Accept": accept,
        }

    def unavailable(self, path: str, why: str) -> UpstreamUnavailable:
        log.warning("%s %s: %s", self.upstream, path, why)
        return UpstreamUnavailable(
            f"The {self.upstream} service could not answer just now. Try again shortly."
        )

    def get(
        self, tenant_id: str, path: str, accept: str = "application/json", actor: str | None = None
    ) -> requests.Response:
        """The raw answer to a GET; no answer at all (refused, timed out) is `UpstreamUnavailable`."""
        try:
            return self.http.get(
                f"{self.base_url}{path}", headers=self.headers(tenant_id, accept, actor), timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise self.unavailable(path, type(exc).__name__) from exc

    def post(self, tenant_id: str, path: str, body: Any, actor: str | None = None) -> requests.Response:
        """The raw answer to a POST of `body` as JSON; no answer at all is `UpstreamUnavailable`."""
        try:
            return self.http.post(
                f"{self.base_url}{path}",
                json=body,
                headers=self.headers(tenant_id, actor=actor),
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise self.unavailable(path, type(exc).__name__) from exc

    def read(self, tenant_id: str, path: str, accept: str = "application/json") -> requests.Response | None:
        """A record read: its 200 answer, None for 404; see the module's docstring for the rest."""
        response = self.get(tenant_id, path, accept)
        raise_for_merged_customer(response)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self.unavailable(path, f"answered {response.status_code}")
        return response

    def read_object(self, tenant_id: str, path: str) -> dict | None:
        """A record read whose 200 must be a JSON object (anything else is `UpstreamUnavailable`)."""
        response = self.read(tenant_id, path)
        if response is None:
            return None
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise self.unavailable(path, "an answer that is not a JSON object")
        return data


class CustomersClient(InternalClient):
    """The reads of a record from customers that a service has not heard of yet through events."""

    def __init__(self, base_url: str, internal_token: str, timeout: float, service: str):
        super().__init__("customers", base_url, internal_token, timeout, service)

    def customer(self, tenant_id: str, customer_id: str) -> dict | None:
        """The customer (with its `primary_contact`), or None."""
        return self.read_object(tenant_id, f"/v1/customers/{customer_id}")

    def work_address(self, tenant_id: str, customer_id: str, work_address_id: str) -> dict | None:
        return self.read_object(tenant_id, f"/v1/customers/{customer_id}/work-addresses/{work_address_id}")

    def branch(self, tenant_id: str, customer_id: str, branch_id: str) -> dict | None:
        return self.read_object(tenant_id, f"/v1/customers/{customer_id}/branches/{branch_id}")
