"""The one synchronous read of the assets service: a customer, work address or branch it has not yet
heard of through events, fetched once from the customers service's internal URL (docs/architecture.md §1),
with the kit's client: 404 → None, a merged customer → `CustomerMerged`, anything else that is not a
200 → `UpstreamUnavailable` (503), so a request never guesses.
"""

from __future__ import annotations

from typing import Protocol

from fieldbook_shared import internal_client

from .settings import AssetsSettings


class CustomerLookup(Protocol):
    def customer(self, tenant_id: str, customer_id: str) -> dict | None: ...

    def work_address(self, tenant_id: str, customer_id: str, work_address_id: str) -> dict | None: ...

    def branch(self, tenant_id: str, customer_id: str, branch_id: str) -> dict | None: ...


class CustomersClient(internal_client.CustomersClient):
    """The kit's client to customers, speaking as `system:assets`."""

    def __init__(
        self, base_url: str, internal_token: str, timeout: float = AssetsSettings.internal_timeout_seconds
    ):
        super().__init__(base_url, internal_token, timeout, service="assets")

    @classmethod
    def from_settings(cls, settings: AssetsSettings) -> CustomersClient:
        return cls(settings.customers_url, settings.internal_token, settings.internal_timeout_seconds)
