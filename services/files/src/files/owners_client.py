"""The synchronous reads of the files service: does the record a file is attached to exist for this
tenant, and whose customer is it? Asked of the service that owns the record, over its internal URL
with the kit's client (docs/architecture.md §1), once per request: 404 → None, a merged customer →
`CustomerMerged` (410), anything else → `UpstreamUnavailable` (503), so a request never guesses.

- a customer: customers, `GET /v1/customers/{id}`;
- a work address: customers, `GET /internal/work-addresses/{id}` (the public path names the customer);
- a job: billing, `GET /v1/jobs/{id}`;
- an asset: assets, `GET /v1/assets/{id}`.
"""

from __future__ import annotations

from fieldbook_shared.internal_client import InternalClient

from .domain import owners
from .settings import FilesSettings

SERVICE = "files"


class OwnersClient:
    """An `OwnerLookup` (service/owners.py): the kit's internal clients to customers, billing and
    assets, speaking as `system:files`."""

    def __init__(self, settings: FilesSettings):
        timeout = settings.internal_timeout_seconds

        def client(upstream: str, url: str) -> InternalClient:
            return InternalClient(upstream, url, settings.internal_token, timeout, service=SERVICE)

        customers = client("customers", settings.customers_url)
        self.routes = {
            owners.CUSTOMER: (customers, "/v1/customers/{id}"),
            owners.WORK_ADDRESS: (customers, "/internal/work-addresses/{id}"),
            owners.JOB: (client("billing", settings.billing_url), "/v1/jobs/{id}"),
            owners.ASSET: (client("assets", settings.assets_url), "/v1/assets/{id}"),
        }

    def owner(self, tenant_id: str, attached_to: str, owner_id: str) -> dict | None:
        upstream, path = self.routes[attached_to]
        return upstream.read_object(tenant_id, path.format(id=owner_id))
