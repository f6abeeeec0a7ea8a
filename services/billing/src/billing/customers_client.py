"""Billing's two synchronous calls to customers, each with the internal token, the tenant, a
system actor and a timeout, at most once per request, never in a loop over many records:

- `fetch_customer`: GET {CUSTOMERS_URL}/v1/customers/{id}, a customer billing has not heard of yet
  (the snapshot is then kept and fed by events);
- `admit_document`: POST {CUSTOMERS_URL}/internal/customers/{id}/documents, customers' word, under
  its row lock, that a document may be written for the customer now (not deleted, merged or erased;
  not blocked when that matters), recorded there before it answers when the document stops a
  delete. See docs/architecture.md §8.
"""

from __future__ import annotations

import logging

import requests

from fieldbook_shared.context import ACTOR_HEADER, INTERNAL_TOKEN_HEADER, ROLE_HEADER, TENANT_HEADER
from fieldbook_shared.problems import Conflict, DomainError, NotFound, raise_for_merged_customer

from .domain import rules
from .settings import load_settings

log = logging.getLogger("billing.customers_client")


class CustomersUnavailable(DomainError):
    status = 503


_settings = None


def configure(settings) -> None:
    global _settings
    _settings = settings


def _headers(settings, tenant_id: str) -> dict:
    return {
        INTERNAL_TOKEN_HEADER: settings.internal_token,
        TENANT_HEADER: tenant_id,
        ROLE_HEADER: "admin",
        ACTOR_HEADER: "system:billing",
    }


def fetch_customer(tenant_id: str, customer_id: str) -> dict | None:
    """The customer's representation, None when customers answers 404 (not ours or not there);
    `CustomerMerged` (410, naming the survivor) for a merged customer's old id."""
    settings = _settings or load_settings()
    url = f"{settings.customers_url}/v1/customers/{customer_id}"
    headers = _headers(settings, tenant_id)
    try:
        response = requests.get(url, headers=headers, timeout=settings.internal_timeout_seconds)
    except requests.RequestException as exc:
        log.warning("customers service unreachable: %s", type(exc).__name__)
        raise CustomersUnavailable(
            "The customer record could not be read just now. Try again in a moment."
        ) from None
    raise_for_merged_customer(response)
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        log.warning("customers service answered %s for a customer read", response.status_code)
        raise CustomersUnavailable("The customer record could not be read just now. Try again in a moment.")
    return response.json()


DOCUMENT_UNCHECKED = (
    "The customer's record could not be checked just now, so nothing was written. Try again in a moment."
)


def admit_document(tenant_id: str, customer_id: str, kind: str, refuse_if_blocked: bool = False) -> None:
    """Returns when customers says yes; otherwise raises what billing answers: 404 (deleted, erased,
    not there), 410 (merged, naming the survivor), 409 (blocked, when `refuse_if_blocked`), 503
    (customers unreachable or answering anything else: billing never writes unchecked)."""
    settings = _settings or load_settings()
    url = f"{settings.customers_url}/internal/customers/{customer_id}/documents"
    body = {"kind": kind, "refuse_if_blocked": refuse_if_blocked}
    try:
        response = requests.post(
            url, json=body, headers=_headers(settings, tenant_id), timeout=settings.internal_timeout_seconds
        )
    except requests.RequestException as exc:
        log.warning("customers service unreachable for a document admission: %s", type(exc).__name__)
        raise CustomersUnavailable(DOCUMENT_UNCHECKED) from None
    if response.status_code == 200:
        return
    problem = _problem(response)
    if response.status_code == 404:
        raise NotFound("No such customer.")
    raise_for_merged_customer(response)
    if response.status_code == 409 and refuse_if_blocked:
        raise Conflict(rules.BLOCKED_MESSAGE, block_reason=problem.get("block_reason"))
    log.warning("customers service answered %s for a document admission", response.status_code)
    raise CustomersUnavailable(DOCUMENT_UNCHECKED)


def _problem(response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
