"""The one synchronous read billing makes: a customer it has not heard of yet, from customers.

GET {CUSTOMERS_URL}/v1/customers/{id} with the internal token, the tenant and a system actor, and
a timeout. Used once per unknown customer (the snapshot is then kept and fed by events), never in
a loop over many records.
"""

from __future__ import annotations

import logging

import requests

from fieldbook_shared.context import ACTOR_HEADER, INTERNAL_TOKEN_HEADER, ROLE_HEADER, TENANT_HEADER
from fieldbook_shared.problems import DomainError

from .settings import load_settings

log = logging.getLogger("billing.customers_client")


class CustomersUnavailable(DomainError):
    status = 503


_settings = None


def configure(settings) -> None:
    global _settings
    _settings = settings


def fetch_customer(tenant_id: str, customer_id: str) -> dict | None:
    """The customer's representation, None when customers answers 404 (not ours or not there)."""
    settings = _settings or load_settings()
    url = f"{settings.extra['customers_url']}/v1/customers/{customer_id}"
    headers = {
        INTERNAL_TOKEN_HEADER: settings.internal_token,
        TENANT_HEADER: tenant_id,
        ROLE_HEADER: "admin",
        ACTOR_HEADER: "system:billing",
    }
    try:
        response = requests.get(url, headers=headers, timeout=settings.extra["customers_timeout"])
    except requests.RequestException as exc:
        log.warning("customers service unreachable: %s", type(exc).__name__)
        raise CustomersUnavailable(
            "The customer record could not be read just now. Try again in a moment."
        ) from None
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        log.warning("customers service answered %s for a customer read", response.status_code)
        raise CustomersUnavailable("The customer record could not be read just now. Try again in a moment.")
    return response.json()
