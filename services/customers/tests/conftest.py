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


# a primary contact the search tests look for by surname and phone digits
BAXENDALE = {"surname": "Baxendale", "phones": [{"type": "mobile", "number": "07700 900123"}]}


def search(api, q: str) -> list[str]:
    """The ids of the customers a search for `q` lists (a 200)."""
    resp = api.get("/v1/customers", query_string={"q": q})
    assert resp.status_code == 200, resp.get_json()
    return [row["id"] for row in resp.get_json()]
