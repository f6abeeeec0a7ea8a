"""The synchronous reads of comms (docs/architecture.md §1), with the kit's internal client: a
customer or work address it has not yet heard of, from customers; a statement's or a document's
PDF, and the tenant's letterhead (document settings and logo) its letters print on, from billing;
a tenant's admins, from the gateway (which owns the people).

404 → None (no such record for this tenant); a merged customer → `CustomerMerged`; anything else
that is not a 200, or a 200 that is not what was asked for, → `UpstreamUnavailable` (503), so a
request never guesses (nor fails with 500).
"""

from __future__ import annotations

from fieldbook_shared import internal_client
from fieldbook_shared.internal_client import InternalClient, UpstreamUnavailable

from .settings import CommsSettings

SERVICE = "comms"
DOCUMENT_PATHS = {"invoice": "invoices", "quote": "quotes", "credit_note": "credit-notes"}


class CustomersClient(internal_client.CustomersClient):
    """The kit's client to customers, speaking as `system:comms`."""

    def __init__(self, base_url: str, internal_token: str, timeout: float):
        super().__init__(base_url, internal_token, timeout, service=SERVICE)

    @classmethod
    def from_settings(cls, settings: CommsSettings) -> CustomersClient:
        return cls(settings.customers_url, settings.internal_token, settings.internal_timeout_seconds)


class BillingClient(InternalClient):
    def __init__(self, base_url: str, internal_token: str, timeout: float):
        super().__init__("billing", base_url, internal_token, timeout, service=SERVICE)

    @classmethod
    def from_settings(cls, settings: CommsSettings) -> BillingClient:
        # a statement PDF is rendered while we wait: four times the time of a record read
        return cls(settings.billing_url, settings.internal_token, settings.internal_timeout_seconds * 4)

    def statement_pdf(self, tenant_id: str, statement_id: str) -> bytes | None:
        return self._pdf(tenant_id, f"/v1/statements/{statement_id}.pdf", "statement")

    def document_pdf(self, tenant_id: str, kind: str, document_id: str) -> bytes | None:
        """An invoice's, quote's or credit note's PDF (`kind` as in document.send_requested)."""
        return self._pdf(tenant_id, f"/v1/{DOCUMENT_PATHS[kind]}/{document_id}.pdf", kind.replace("_", " "))

    def letterhead(self, tenant_id: str) -> tuple[dict, bytes | None]:
        """The tenant's document settings (business name, address, numbers, footer) and logo, as its
        invoices print them: a letter from comms looks like a document from billing."""
        settings = self.read_object(tenant_id, "/v1/settings/documents") or {}
        logo = None
        if settings.get("has_logo"):
            resp = self.read(tenant_id, "/v1/settings/documents/logo", accept="image/*")
            logo = resp.content if resp is not None else None
        return settings, logo

    def _pdf(self, tenant_id: str, path: str, what: str) -> bytes | None:
        resp = self.read(tenant_id, path, accept="application/pdf")
        if resp is None:
            return None
        if not resp.content.startswith(b"%PDF"):
            raise UpstreamUnavailable(f"The billing service's {what} is not a PDF.")
        return resp.content


class GatewayClient(InternalClient):
    """The gateway's people: a tenant's admins, whom comms emails what needs an admin."""

    def __init__(self, base_url: str, internal_token: str, timeout: float):
        super().__init__("gateway", base_url, internal_token, timeout, service=SERVICE)

    @classmethod
    def from_settings(cls, settings: CommsSettings) -> GatewayClient:
        return cls(settings.gateway_url, settings.internal_token, settings.internal_timeout_seconds)

    def admins(self, tenant_id: str) -> list[dict]:
        """[{email, name}] of the tenant's admins who may log in (maybe none)."""
        path = "/internal/admins"
        body = self.read_object(tenant_id, path)
        items = body.get("items") if body is not None else None
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and isinstance(i.get("email"), str) for i in items
        ):
            raise self.unavailable(path, "an answer without the admins")
        return [{"email": i["email"], "name": i.get("name")} for i in items]
