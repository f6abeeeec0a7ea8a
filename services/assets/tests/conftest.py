"""Unit-test fixtures: the kit's (`fieldbook_shared.pytest_plugin`: the assets app on a migrated
SQLite file, `api`, `outbox`, the in-memory `bus`), and a fake customers lookup."""

from __future__ import annotations

import uuid

import pytest

from assets.api.assets import LOOKUP_EXTENSION
from assets.app import create_app
from assets.handlers import HANDLERS
from assets.manage import MIGRATIONS
from assets.settings import load_settings
from assets.uow import AssetsUnitOfWork
from fieldbook_shared.context import RequestContext
from fieldbook_shared.testing import TENANT, ServiceUnderTest, count, publish  # noqa: F401 - tests import them from here

pytest_plugins = ["fieldbook_shared.pytest_plugin"]


@pytest.fixture
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest(
        "assets",
        MIGRATIONS,
        load_settings,
        create_app,
        AssetsUnitOfWork,
        HANDLERS,
        stand_ins={LOOKUP_EXTENSION: "customers"},
    )


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
            from fieldbook_shared.internal_client import UpstreamUnavailable

            raise UpstreamUnavailable("customers is down (test)")
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


def system_uow(sessions, tenant=TENANT) -> AssetsUnitOfWork:
    return AssetsUnitOfWork(sessions, RequestContext.system(tenant), "assets")
