"""Unit-test fixtures: the kit's (`fieldbook_shared.pytest_plugin`: the servicing app on a migrated
SQLite file, `api`, `outbox`, the in-memory `bus`), and the events servicing hears, as their owners
publish them."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from fieldbook_shared.testing import TENANT, ServiceUnderTest, customer_event_data, publish
from servicing.app import create_app
from servicing.handlers import HANDLERS
from servicing.manage import MIGRATIONS
from servicing.settings import load_settings
from servicing.uow import ServicingUnitOfWork

pytest_plugins = ["fieldbook_shared.pytest_plugin"]


@pytest.fixture
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest("servicing", MIGRATIONS, load_settings, create_app, ServicingUnitOfWork, HANDLERS)


class World:
    """Customers, work addresses and assets, told to servicing through the bus as their owners do."""

    def __init__(self, bus, tenant: str = TENANT):
        self.bus, self.tenant = bus, tenant
        self.group = str(uuid.uuid4())  # an asset group of the assets catalogue: "Gas boiler"

    def customer(self, version: int = 1, customer_id: str | None = None, **overrides) -> str:
        cid = customer_id or str(uuid.uuid4())
        publish(self.bus, "customer.created", customer_event_data(cid, version, **overrides), self.tenant)
        self.bus.drain()
        return cid

    def work_address(self, customer_id: str, **overrides) -> str:
        wid = str(uuid.uuid4())
        data = {
            "id": wid,
            "customer_id": customer_id,
            "version": 1,
            "name": "Flat 1",
            "address": {"line_1": "1 Mill Lane", "town": "Ilkley", "postcode": "LS29 8AB"},
            "status": "active",
            **overrides,
        }
        publish(self.bus, "work_address.created", data, self.tenant)
        self.bus.drain()
        return wid

    def asset(
        self, customer_id: str, installed: date, work_address_id: str | None = None, **overrides
    ) -> str:
        aid = overrides.pop("id", None) or str(uuid.uuid4())
        data = {
            "id": aid,
            "customer_id": customer_id,
            "version": overrides.pop("version", 1),
            "work_address_id": work_address_id,
            "asset_group_id": self.group,
            "brand": "Worcester",
            "description": "Greenstar 30i",
            "serial_number": f"SN-{aid[:6]}",
            "install_date": installed,
            **overrides,
        }
        publish(self.bus, "asset.created", data, self.tenant, source="assets")
        self.bus.drain()
        return aid

    def job(self, event_type: str, job_id: str, customer_id: str, **fields) -> None:
        data = {
            "id": job_id,
            "customer_id": customer_id,
            "version": 1,
            "number": 1,
            "status": "open",
            "total": "0.00",
        }
        data.update(fields)
        publish(self.bus, event_type, data, self.tenant, source="billing")
        self.bus.drain()


@pytest.fixture
def world(bus) -> World:
    return World(bus)
