"""Unit-test fixtures: the kit's (`fieldbook_shared.pytest_plugin`: the comms app on a migrated SQLite
file, `api`, `outbox`, the in-memory `bus`), fakes of customers and SMTP, the sender and the runner."""

from __future__ import annotations

import uuid
from email.message import EmailMessage

import pytest

from comms.app import create_app, uow_class_for
from comms.domain.smtp import SENT, SendOutcome
from comms.handlers import HANDLERS
from comms.manage import MIGRATIONS
from comms.sending import MassEmailRunner, Sender
from comms.settings import load_settings
from comms.sms_sending import SmsSender
from comms.uow import CommsUnitOfWork
from fieldbook_shared.context import RequestContext
from fieldbook_shared.internal_client import UpstreamUnavailable
from fieldbook_shared.testing import TENANT, ServiceUnderTest, customer_event_data, publish  # noqa: F401 - tests import it from here

pytest_plugins = ["fieldbook_shared.pytest_plugin"]


@pytest.fixture
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest(
        "comms",
        MIGRATIONS,
        load_settings,
        create_app,
        CommsUnitOfWork,
        HANDLERS,
        settings_overrides={
            "smtp_retry_base": 0.0,
            "smtp_retry_max": 0.0,
            "smtp_max_attempts": 3,
            "mass_email_wait": 0.0,
            "sms_retry_base": 0.0,
            "sms_retry_max": 0.0,
            "sms_max_attempts": 3,
            "sms_receipt_secret": "receipt-secret",
        },
    )


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


class FakeGateway:
    """Stands in for the gateway's internal list of a tenant's admins."""

    def __init__(self):
        self.people: dict[str, list[dict]] = {}  # tenant → its admins
        self.down = False
        self.calls: list[str] = []

    def admins(self, tenant_id):
        self.calls.append(tenant_id)
        if self.down:
            raise UpstreamUnavailable("The gateway service could not answer just now.")
        return self.people.get(tenant_id, [])


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


class FakeLetterhead:
    """Stands in for billing's document settings and logo (the letterhead letters print on)."""

    def __init__(self):
        self.settings = {
            "business_name": "Dales Heating Ltd",
            "address_lines": ["4 Station Road", "Skipton BD23 1AA"],
            "phone": "01756 700 700",
            "footer": "Registered in England 01234567",
        }
        self.logo: bytes | None = None

    def letterhead(self, tenant_id):
        return dict(self.settings), self.logo


@pytest.fixture
def customers():
    return FakeCustomers()


@pytest.fixture
def billing():
    return FakeLetterhead()


@pytest.fixture
def app(settings, customers, billing):
    return create_app(settings, customers=customers, billing=billing)


@pytest.fixture
def gateway():
    return FakeGateway()


@pytest.fixture
def uow_factory(sessions, customers, billing, gateway):
    uow_class = uow_class_for(customers, billing, gateway)
    return lambda ctx: uow_class(sessions, ctx, "comms")


@pytest.fixture
def smtp():
    return FakeTransport()


@pytest.fixture
def sender(settings, sessions, uow_factory, smtp):
    class Billing:
        pdfs: dict = {}

        def statement_pdf(self, tenant_id, statement_id):
            return self.pdfs.get(statement_id)

        def document_pdf(self, tenant_id, kind, document_id):
            return self.pdfs.get((kind, document_id))

    return Sender(settings, sessions, uow_factory, transport_factory=lambda: smtp, billing=Billing())


class FakeSmsProvider:
    """The SMS provider in a list: `script` gives the outcomes of the next sends (then: accepted),
    and each accepted SMS gets the provider id `SM-<sms id>` (the same id again for the same SMS,
    as a real provider answers a repeated Idempotency-Key)."""

    def __init__(self):
        self.sent: list[dict] = []
        self.calls: list[str] = []
        self.script: list[SendOutcome] = []

    def send(self, *, sms_id, tenant_id, to, body) -> SendOutcome:
        self.calls.append(sms_id)
        if self.script:
            outcome = self.script.pop(0)
            if outcome.outcome != SENT:
                return outcome
        if sms_id not in {m["sms_id"] for m in self.sent}:
            self.sent.append({"sms_id": sms_id, "tenant_id": tenant_id, "to": to, "body": body})
        return SendOutcome(SENT, 201, "accepted", f"SM-{sms_id}")

    def close(self):
        pass


@pytest.fixture
def sms_provider():
    return FakeSmsProvider()


@pytest.fixture
def sms_sender(settings, sessions, uow_factory, sms_provider):
    return SmsSender(settings, sessions, uow_factory, provider_factory=lambda: sms_provider)


@pytest.fixture
def runner(settings, sessions, uow_factory):
    return MassEmailRunner(settings, sessions, uow_factory)


def system_uow(uow_factory, tenant=TENANT):
    return uow_factory(RequestContext.system(tenant))


# --- customers' events, as the customers service would publish them ---------------------------------


def customer_data(customer_id=None, version=1, **overrides) -> dict:
    preferences = {"email": True, "sms": True, "letter": True, "phone": True}
    overrides = {"communication_preferences": preferences, **overrides}
    return customer_event_data(customer_id or str(uuid.uuid4()), version, **overrides)


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
