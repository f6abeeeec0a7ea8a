"""Unit-test fixtures: the kit's (`fieldbook_shared.pytest_plugin`: the billing app on a migrated
SQLite file, `api`, `outbox`, the in-memory `bus`), and a stand-in
for the customers service's internal read (a dict of customers it "holds")."""

from __future__ import annotations

import uuid

import pytest

from billing import customers_client
from billing.app import create_app
from billing.handlers import HANDLERS
from billing.manage import MIGRATIONS
from billing.settings import load_settings
from billing.uow import BillingUnitOfWork
from fieldbook_shared import testing
from fieldbook_shared.context import RequestContext
from fieldbook_shared.testing import TENANT, ServiceUnderTest, customer_event_data, headers  # noqa: F401 - tests import it from here
from fieldbook_shared.testing import document_line as line  # noqa: F401 - tests import it from here

pytest_plugins = ["fieldbook_shared.pytest_plugin"]


@pytest.fixture
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest("billing", MIGRATIONS, load_settings, create_app, BillingUnitOfWork, HANDLERS)


@pytest.fixture
def customers_service(monkeypatch):
    """What the customers service would answer to billing's internal calls, by (tenant, id): `held`
    for the GET of an unknown customer; the document admission says yes (recorded in `admitted`)
    unless `refusals` holds the error billing's client would raise for that customer."""
    held: dict[tuple[str, str], dict] = {}
    calls: list[tuple[str, str]] = []
    admitted: list[tuple[str, str, str, bool]] = []
    refusals: dict[tuple[str, str], Exception] = {}

    def fetch(tenant_id, customer_id):
        calls.append((tenant_id, customer_id))
        return held.get((tenant_id, customer_id))

    def admit(tenant_id, customer_id, kind, refuse_if_blocked=False):
        refusal = refusals.get((tenant_id, customer_id))
        if refusal is not None:
            raise refusal
        admitted.append((tenant_id, customer_id, kind, refuse_if_blocked))

    monkeypatch.setattr(customers_client, "fetch_customer", fetch)
    monkeypatch.setattr(customers_client, "admit_document", admit)
    held_calls = type("Held", (), {})()
    held_calls.held, held_calls.calls = held, calls
    held_calls.admitted, held_calls.refusals = admitted, refusals
    return held_calls


@pytest.fixture
def app(settings, customers_service):
    return create_app(settings)


def system_uow(sessions, tenant=TENANT) -> BillingUnitOfWork:
    return BillingUnitOfWork(sessions, RequestContext.system(tenant), "billing")


def customer_data(customer_id: str, version: int = 1, **overrides) -> dict:
    address = {
        "line_1": "1 High Street",
        "line_2": None,
        "town": "Leeds",
        "county": None,
        "postcode": "LS1 4AB",
    }
    known = {"address": address, "email": "john@example.com", "block_reason": None, "credit_limit": None}
    known |= {"payment_terms_days": 30, "invoice_address_format": None}
    return customer_event_data(customer_id, version, **{**known, **overrides})


def work_address_data(work_address_id: str, customer_id: str, version: int = 1, **overrides) -> dict:
    """A work_address.* event's data: Flat 2, 2 Park Row, LS1 5AB."""
    data = {
        "id": work_address_id,
        "customer_id": customer_id,
        "version": version,
        "name": "Flat 2",
        "address": {"line_1": "2 Park Row", "postcode": "LS1 5AB"},
        "status": "active",
        "landlord": None,
        "occupier": None,
    }
    data.update(overrides)
    return data


def landlords_flat(bus, customer_id: str) -> str:
    """The customer's invoice address names the landlord of the work address (Ada Lovelace's Flat 2,
    added here); returns the work address's id."""
    wid = str(uuid.uuid4())
    address_format = "[landlord_name] c/o [customer_name]\n[customer_postcode]"
    publish(
        bus, "customer.updated", customer_data(customer_id, version=2, invoice_address_format=address_format)
    )
    landlord = {"first_name": "Ada", "surname": "Lovelace"}
    publish(bus, "work_address.created", work_address_data(wid, customer_id, landlord=landlord))
    bus.drain()
    return wid


def publish(bus, event_type: str, data: dict, tenant: str = TENANT, source: str = "customers"):
    """The kit's `publish`, with the record's id as the event's subject (as customers sends it)."""
    return testing.publish(bus, event_type, data, tenant, source, subject=data.get("id"))


@pytest.fixture
def customer(bus):
    """A customer billing has heard of through customer.created; returns its id."""
    cid = str(uuid.uuid4())
    publish(bus, "customer.created", customer_data(cid))
    bus.drain()
    return cid
