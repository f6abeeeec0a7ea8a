"""Unit-test fixtures: the comms app on a migrated SQLite file, the in-memory bus, a fake SMTP."""

from __future__ import annotations

import json
import uuid
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from comms.app import create_app, uow_class_for
from comms.domain.smtp import SENT, SendOutcome
from comms.handlers import HANDLERS
from comms.manage import MIGRATIONS
from comms.sending import MassEmailRunner, Sender
from comms.settings import load_settings
from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import OutboxMessage
from fieldbook_shared.events import build_event
from fieldbook_shared.messaging.memory_bus import InMemoryBus
from fieldbook_shared.messaging.relay import OutboxRelay
from fieldbook_shared.migrations import upgrade

TENANT = "tenant-a"


class FakeCustomers:
    """Stands in for the customers service's internal HTTP API."""

    def __init__(self):
        self.records: dict[tuple[str, str], dict] = {}
        self.work_addresses: dict[tuple[str, str], dict] = {}
        self.calls: list[str] = []

    def customer(self, tenant_id, customer_id):
        self.calls.append(customer_id)
        return self.records.get((tenant_id, str(customer_id)))

    def work_address(self, tenant_id, customer_id, work_address_id):
        wa = self.work_addresses.get((tenant_id, str(work_address_id)))
        return wa if wa and wa["customer_id"] == str(customer_id) else None


class FakeTransport:
    """An SMTP server in a list: `script` gives the outcomes of the next sends (then: accepted)."""

    def __init__(self):
        self.delivered: list[EmailMessage] = []
        self.script: list[SendOutcome] = []

    def send(self, message: EmailMessage) -> SendOutcome:
        if self.script:
            outcome = self.script.pop(0)
            if outcome.outcome != SENT:
                return outcome
        self.delivered.append(message)
        return SendOutcome(SENT, 250, "accepted")

    def close(self):
        pass


@pytest.fixture
def settings(tmp_path):
    url = f"sqlite:///{tmp_path / 'comms.db'}"
    upgrade(MIGRATIONS, url)
    return load_settings(
        database_url=url,
        testing=True,
        log_level="WARNING",
        smtp_retry_base=0.0,
        smtp_retry_max=0.0,
        smtp_max_attempts=3,
        mass_email_wait=0.0,
    )


@pytest.fixture
def customers():
    return FakeCustomers()


@pytest.fixture
def app(settings, customers):
    return create_app(settings, customers=customers)


def headers(role="admin", tenant=TENANT, **extra):
    return {"X-Tenant-Id": tenant, "X-Role": role, "X-Actor": f"test:{role}", **extra}


class Api:
    def __init__(self, client, role="admin", tenant=TENANT):
        self.client, self.role, self.tenant = client, role, tenant

    def as_(self, role=None, tenant=None):
        return Api(self.client, role or self.role, tenant or self.tenant)

    def _h(self, extra):
        return headers(self.role, self.tenant, **(extra or {}))

    def get(self, path, **kw):
        return self.client.get(path, headers=self._h(kw.pop("headers", None)), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(path, json=json, headers=self._h(kw.pop("headers", None)), **kw)

    def patch(self, path, json=None, **kw):
        return self.client.patch(path, json=json, headers=self._h(kw.pop("headers", None)), **kw)

    def delete(self, path, **kw):
        return self.client.delete(path, headers=self._h(kw.pop("headers", None)), **kw)


@pytest.fixture
def api(app):
    return Api(app.test_client())


@pytest.fixture
def sessions(app):
    return app.extensions["fieldbook"].sessions


@pytest.fixture
def uow_factory(sessions, customers):
    uow_class = uow_class_for(customers)
    return lambda ctx: uow_class(sessions, ctx, "comms")


@pytest.fixture
def bus(settings, sessions, uow_factory):
    bus = InMemoryBus()
    bus.subscribe("comms", uow_factory, HANDLERS)
    bus.relay = OutboxRelay(settings, sessions)
    return bus


@pytest.fixture
def smtp():
    return FakeTransport()


@pytest.fixture
def sender(settings, sessions, uow_factory, smtp):
    class Billing:
        pdfs: dict = {}

        def statement_pdf(self, tenant_id, statement_id):
            return self.pdfs.get(statement_id)

    return Sender(settings, sessions, uow_factory, transport_factory=lambda: smtp, billing=Billing())


@pytest.fixture
def runner(settings, sessions, uow_factory):
    return MassEmailRunner(settings, sessions, uow_factory)


@pytest.fixture
def outbox(sessions):
    def read(event_type=None):
        with sessions() as s:
            rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
            out = [json.loads(r.payload) for r in rows]
        return [e for e in out if event_type is None or e["type"] == event_type]

    return read


def system_uow(uow_factory, tenant=TENANT):
    return uow_factory(RequestContext.system(tenant))


# --- customers' events, as the customers service would publish them ---------------------------------


def customer_data(customer_id=None, version=1, **overrides) -> dict:
    data = {
        "id": customer_id or str(uuid.uuid4()),
        "version": version,
        "type": "private",
        "title": "Mr",
        "first_name": "John",
        "surname": "Smith",
        "company_name": None,
        "display_name": "Mr John Smith",
        "address": {"line_1": "1 High Street", "town": "Leeds", "postcode": "LS1 4AB"},
        "email": None,
        "status": "active",
        "blocked": False,
        "communication_preferences": {"email": True, "sms": True, "letter": True, "phone": True},
    }
    data.update(overrides)
    return data


def contact_data(customer_id, contact_id=None, version=1, **overrides) -> dict:
    data = {
        "id": contact_id or str(uuid.uuid4()),
        "customer_id": customer_id,
        "version": version,
        "title": "Mrs",
        "first_name": "Jane",
        "surname": "Doe",
        "email": "jane.doe@example.com",
        "primary": True,
        "archived": False,
        "communication_preferences": {"email": True},
    }
    data.update(overrides)
    return data


def work_address_data(customer_id, version=1, **overrides) -> dict:
    data = {
        "id": str(uuid.uuid4()),
        "customer_id": customer_id,
        "version": version,
        "name": None,
        "address": {"line_1": "9 Rental Row", "postcode": "LS2 2BB"},
        "status": "active",
    }
    data.update(overrides)
    return data


def publish(bus, event_type, data, tenant=TENANT, source="customers"):
    event = build_event(event_type, source=source, tenant_id=tenant, data=data)
    bus.publish(event_type, event.to_json(), event.id, tenant)
    return event


def known_customer(bus, with_contact=True, tenant=TENANT, **overrides) -> dict:
    """A customer (and its primary contact) that comms has heard of through events."""
    customer = customer_data(**overrides)
    publish(bus, "customer.created", customer, tenant=tenant)
    if with_contact:
        publish(bus, "contact.created", contact_data(customer["id"]), tenant=tenant)
    bus.drain()
    return customer


def known_work_address(bus, customer_id, tenant=TENANT) -> dict:
    """A work address of the customer that comms has heard of through events."""
    work_address = work_address_data(customer_id)
    publish(bus, "work_address.created", work_address, tenant=tenant)
    bus.drain()
    return work_address


def run_mass_emails(runner, sender) -> None:
    """The worker's cycle for the mass emails started: expand them, send every email due, complete
    the ones with nothing left to send."""
    runner.step()
    while sender.send_due():
        pass
    runner.step()
