"""Unit-test fixtures: the customers app on a migrated SQLite file, and an in-memory bus."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from customers.app import create_app
from customers.manage import MIGRATIONS
from customers.settings import load_settings
from customers.uow import CustomersUnitOfWork
from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import OutboxMessage
from fieldbook_shared.messaging.memory_bus import InMemoryBus
from fieldbook_shared.messaging.relay import OutboxRelay
from fieldbook_shared.migrations import upgrade

TENANT = "tenant-a"


@pytest.fixture
def settings(tmp_path):
    url = f"sqlite:///{tmp_path / 'customers.db'}"
    upgrade(MIGRATIONS, url)
    return load_settings(database_url=url, testing=True, log_level="WARNING")


@pytest.fixture
def app(settings):
    return create_app(settings)


def headers(role: str = "admin", tenant: str = TENANT, **extra) -> dict:
    return {"X-Tenant-Id": tenant, "X-Role": role, "X-Actor": f"test:{role}", **extra}


class Api:
    """A test client that speaks as a gateway would: tenant, role and actor headers on every call."""

    def __init__(self, client, role="admin", tenant=TENANT):
        self.client, self.role, self.tenant = client, role, tenant

    def as_(self, role=None, tenant=None) -> Api:
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
def outbox(sessions):
    """Read what the service put in its outbox: list of (type, data)."""

    def read(event_type: str | None = None) -> list[dict]:
        with sessions() as s:
            rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
            events = [json.loads(r.payload) for r in rows]
        return [e for e in events if event_type is None or e["type"] == event_type]

    read.count = lambda: len(read())
    return read


@pytest.fixture
def bus(settings, sessions):
    """The in-memory bus wired to this service's relay and handlers."""
    from customers.handlers import HANDLERS

    bus = InMemoryBus()
    bus.subscribe("customers", lambda ctx: CustomersUnitOfWork(sessions, ctx, "customers"), HANDLERS)
    bus.relay = OutboxRelay(settings, sessions)
    return bus


def count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def system_uow(sessions, tenant=TENANT) -> CustomersUnitOfWork:
    return CustomersUnitOfWork(sessions, RequestContext.system(tenant), "customers")


def private_customer(**overrides) -> dict:
    body = {
        "type": "private",
        "title": "Mr",
        "first_name": "John",
        "surname": "Smith",
        "address": {"line_1": "1 High Street", "town": "Leeds", "postcode": "LS1 4AB"},
        "email": "john.smith@example.com",
        "phone": "0113 496 0000",
    }
    body.update(overrides)
    return body
