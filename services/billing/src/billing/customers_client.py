"""Billing's two synchronous calls to customers, with the kit's internal client (internal token,
tenant, `system:billing`, a timeout), at most once per request, never in a loop over many records:

- `fetch_customer`: GET {CUSTOMERS_URL}/v1/customers/{id}, a customer billing has not heard of yet
  (the snapshot is then kept and fed by events);
- `admit_document`: POST {CUSTOMERS_URL}/internal/customers/{id}/documents, customers' word, under
  its row lock, that a document may be written for the customer now (not deleted, merged or erased;
  not blocked when that matters), recorded there before it answers when the document stops a
  delete. See docs/architecture.md §8.
"""

from __future__ import annotations

import logging

from fieldbook_shared.internal_client import CustomersClient, UpstreamUnavailable
from fieldbook_shared.problems import Conflict, NotFound, raise_for_merged_customer

from .domain import rules
from .settings import BillingSettings, load_settings

log = logging.getLogger("billing.customers_client")

_client: CustomersClient | None = None


def configure(settings: BillingSettings | None) -> None:
    """The app factory gives the settings; None forgets them (the next call reads the environment)."""
    global _client
    _client = None if settings is None else _client_for(settings)


def _client_for(settings: BillingSettings) -> CustomersClient:
    return CustomersClient(
        settings.customers_url, settings.internal_token, settings.internal_timeout_seconds, service="billing"
    )


def _customers() -> CustomersClient:
    global _client
    if _client is None:
        _client = _client_for(load_settings())
    return _client


def fetch_customer(tenant_id: str, customer_id: str) -> dict | None:
    """The customer's representation, None when customers answers 404 (not ours or not there);
    `CustomerMerged` (410, naming the survivor) for a merged customer's old id."""
    return _customers().customer(tenant_id, customer_id)


DOCUMENT_UNCHECKED = (
    "The customer's record could not be checked just now, so nothing was written. Try again in a moment."
)


def admit_document(tenant_id: str, customer_id: str, kind: str, refuse_if_blocked: bool = False) -> None:
    """Returns when customers says yes; otherwise raises what billing answers: 404 (deleted, erased,
    not there), 410 (merged, naming the survivor), 409 (blocked, when `refuse_if_blocked`), 503
    (customers unreachable or answering anything else: billing never writes unchecked)."""
    body = {"kind": kind, "refuse_if_blocked": refuse_if_blocked}
    try:
        response = _customers().post(tenant_id, f"/internal/customers/{customer_id}/documents", body)
    except UpstreamUnavailable:
        raise UpstreamUnavailable(DOCUMENT_UNCHECKED) from None
    if response.status_code == 200:
        return
    problem = _problem(response)
    if response.status_code == 404:
        raise NotFound("No such customer.")
    raise_for_merged_customer(response)
    if response.status_code == 409 and refuse_if_blocked:
        raise Conflict(rules.BLOCKED_MESSAGE, block_reason=problem.get("block_reason"))
    log.warning("customers service answered %s for a document admission", response.status_code)
    raise UpstreamUnavailable(DOCUMENT_UNCHECKED)


def _problem(response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
