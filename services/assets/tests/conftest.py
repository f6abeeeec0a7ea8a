"""Unit-test fixtures: the assets app on a migrated SQLite file, a fake customers lookup, an
in-memory bus."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from assets.api.assets import LOOKUP_EXTENSION
from assets.app import create_app
from assets.manage import MIGRATIONS
from assets.settings import load_settings
from assets.uow import AssetsUnitOfWork
from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import OutboxMessage
from fieldbook_shared.events import build_event
from fieldbook_shared.messaging.memory_bus import InMemoryBus
from fieldbook_shared.messaging.relay import OutboxRelay
from fieldbook_shared.migrations import upgrade

TENANT = "tenant-a"


@pytest.fixture
def settings(tmp_path):
    url = f"sqlite:///{tmp_path / 'assets.db'}"
    upgrade(MIGRATIONS, url)
    return load_settings(database_url=url, testing=True, log_level="WARNING")


class FakeCustomers:
    """Stands in for the customers service's internal HTTP: records per tenant, and a call log."""

    def __init__(self):
        self.customers: dict[tuple[str, str], dict] = {}
        self.work_addresses: dict[tuple[str, str], dict] = {}
        self.branches: dict[tuple[str, str], dict] = {}
        self.calls: list[tuple[str, str]] = []
        self.down = False

    def _answer(self, kind, table, tenant_id, key):
        self.calls.append((kind, key))
        if self.down:
            from assets.customers_client import CustomersUnavailable

            raise CustomersUnavailable("customers is down (test)")
        return table.get((tenant_id, key))

    def customer(self, tenant_id, customer_id):
        return self._answer("customer", self.customers, tenant_id, customer_id)

    def work_address(self, tenant_id, customer_id, work_address_id):
        found = self._answer("work_address", self.work_addresses, tenant_id, work_address_id)
        return found if found and found["customer_id"] == customer_id else None

    def branch(self, tenant_id, customer_id, branch_id):
        found = self._answer("branch", self.branches, tenant_id, branch_id)
        return found if found and found["customer_id"] == customer_id else None

    def add_customer(self, tenant=TENANT, name="John Smith", version=1) -> str:
        cid = str(uuid.uuid4())
        self.customers[(tenant, cid)] = {
            "id": cid,
            "version": version,
            "display_name": name,
            "status": "active",
        }
        return cid

    def add_work_address(self, customer_id, tenant=TENANT) -> str:
        wid = str(uuid.uuid4())
        self.work_addresses[(tenant, wid)] = {
            "id": wid,
            "customer_id": customer_id,
            "version": 1,
            "name": "Flat 1",
            "address": {"line_1": "1 Flat Lane", "postcode": "LS1 1AA"},
            "status": "active",
        }
        return wid

    def add_branch(self, customer_id, tenant=TENANT) -> str:
        bid = str(uuid.uuid4())
        self.branches[(tenant, bid)] = {"id": bid, "customer_id": customer_id, "version": 1, "name": "Depot"}
        return bid


@pytest.fixture
def customers():
    return FakeCustomers()


@pytest.fixture
def app(settings, customers):
    app = create_app(settings)
    app.extensions[LOOKUP_EXTENSION] = customers
    return app


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
    """Read what the service put in its outbox: the CloudEvents, optionally of one type."""

    def read(event_type: str | None = None) -> list[dict]:
        with sessions() as s:
            rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
            events = [json.loads(r.payload) for r in rows]
        return [e for e in events if event_type is None or e["type"] == event_type]

    return read


@pytest.fixture
def bus(settings, sessions):
    """The in-memory bus wired to this service's relay and handlers."""
    from assets.handlers import HANDLERS

    bus = InMemoryBus()
    bus.subscribe("assets", lambda ctx: AssetsUnitOfWork(sessions, ctx, "assets"), HANDLERS)
    bus.relay = OutboxRelay(settings, sessions)
    return bus


def publish(
    bus, event_type: str, data: dict, tenant: str = TENANT, event_id: str | None = None, source="customers"
):
    """Put an event on the bus as another service would publish it."""
    event = build_event(event_type, source=source, tenant_id=tenant, data=data)
    if event_id:
        from dataclasses import replace

        event = replace(event, id=event_id)
    bus.publish(event_type, event.to_json(), event.id, tenant)
    return event


def customer_snapshot(customer_id: str, version: int = 1, name: str = "John Smith", **overrides) -> dict:
    first, _, last = name.partition(" ")
    data = {
        "id": customer_id,
        "version": version,
        "type": "private",
        "first_name": first,
        "surname": last or first,
        "display_name": name,
        "address": {"line_1": "1 High St", "postcode": "LS1 4AB"},
        "status": "active",
        "blocked": False,
    }
    data.update(overrides)
    return data


def count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def system_uow(sessions, tenant=TENANT) -> AssetsUnitOfWork:
    return AssetsUnitOfWork(sessions, RequestContext.system(tenant), "assets")
