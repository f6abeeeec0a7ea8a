"""Unit-test fixtures: the kit's (`fieldbook_shared.pytest_plugin`: the customers app on a migrated
SQLite file, `api`, `outbox`, the in-memory `bus`), and customers' own records."""

from __future__ import annotations

import pytest

from customers.app import create_app
from customers.handlers import HANDLERS
from customers.manage import MIGRATIONS
from customers.settings import load_settings
from customers.uow import CustomersUnitOfWork
from fieldbook_shared.context import RequestContext
from fieldbook_shared.testing import (  # noqa: F401 - tests import them from here
    TENANT,
    Api,
    ServiceUnderTest,
    count,
    headers,
    private_customer,
)

pytest_plugins = ["fieldbook_shared.pytest_plugin"]


@pytest.fixture
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest("customers", MIGRATIONS, load_settings, create_app, CustomersUnitOfWork, HANDLERS)


def system_uow(sessions, tenant=TENANT) -> CustomersUnitOfWork:
    return CustomersUnitOfWork(sessions, RequestContext.system(tenant), "customers")
