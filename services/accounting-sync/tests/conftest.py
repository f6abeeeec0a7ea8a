"""Unit-test fixtures: the kit's (`fieldbook_shared.pytest_plugin`: the service on a migrated SQLite
file, `api` as accounts, `outbox`, the in-memory `bus`), and the Sage
simulator's Flask app behind the real adapter (requests routed to it without sockets)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from requests.structures import CaseInsensitiveDict
from sage_simulator.app import create_app as create_simulator
from sage_simulator.store import Store

from accounting_sync.app import create_app
from accounting_sync.balances import BalancePoller
from accounting_sync.handlers import HANDLERS
from accounting_sync.manage import MIGRATIONS
from accounting_sync.postings import PostingEngine
from accounting_sync.sage import SageAccounting
from accounting_sync.settings import load_settings
from accounting_sync.sync import SyncEngine
from accounting_sync.uow import SyncUnitOfWork
from fieldbook_shared.testing import TENANT, ServiceUnderTest, customer_event_data, publish

pytest_plugins = ["fieldbook_shared.pytest_plugin"]

SAGE_URL = "http://sage.test"
BUSINESS = "biz-test"


class FlaskAdapter(requests.adapters.BaseAdapter):
    """A requests transport that calls a Flask app in-process."""

    def __init__(self, app):
        super().__init__()
        self.client = app.test_client()

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        body = request.body.encode() if isinstance(request.body, str) else request.body
        resp = self.client.open(path, method=request.method, headers=dict(request.headers), data=body)
        out = requests.Response()
        out.status_code = resp.status_code
        out._content = resp.get_data()
        out.headers = CaseInsensitiveDict(dict(resp.headers))
        out.url = request.url
        out.request = request
        out.reason = resp.status.split(" ", 1)[-1]
        return out

    def close(self):
        pass


@pytest.fixture
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest(
        "accounting-sync", MIGRATIONS, load_settings, create_app, SyncUnitOfWork, HANDLERS, role="accounts"
    )


@pytest.fixture
def sim_store():
    return Store("client", "secret", "refresh-0", rate_limit=100_000)


@pytest.fixture
def simulator(sim_store):
    return create_simulator(sim_store, default_business=BUSINESS, seed=20261123)  # repeatable faults


@pytest.fixture
def sync_settings():
    return load_settings(
        sage_base_url=SAGE_URL,
        sage_client_id="client",
        sage_client_secret="secret",
        sage_refresh_token="refresh-0",
        sage_business_id=BUSINESS,
        max_attempts=4,
        backoff_base_seconds=0.0,
        backoff_cap_seconds=0.0,
    )


@pytest.fixture
def sage(sync_settings, sessions, simulator):
    http = requests.Session()
    http.mount(SAGE_URL, FlaskAdapter(simulator))
    return SageAccounting(sync_settings, sessions, http=http, sleep=lambda _s: None)


def uow_factory_for(sessions):
    return lambda ctx: SyncUnitOfWork(sessions, ctx, "accounting-sync")


@pytest.fixture
def engine(sync_settings, sessions, sage):
    return SyncEngine(sync_settings, sessions, sage, uow_factory_for(sessions))


@pytest.fixture
def poster(sync_settings, sessions, sage):
    return PostingEngine(sync_settings, sessions, sage, uow_factory_for(sessions))


@pytest.fixture
def poller(sync_settings, sessions, sage):
    return BalancePoller(sync_settings, sessions, sage, uow_factory_for(sessions))


@pytest.fixture
def sim(simulator):
    """The simulator's admin side: seed, count, set balances, faults."""
    client = simulator.test_client()

    class Sim:
        def seed(self, **contact):
            return client.post("/__admin/contacts", json=contact).get_json()["contacts"][0]

        def contacts(self, **query):
            return client.get("/__admin/contacts", query_string=query).get_json()["contacts"]

        def faults(self, **faults):
            return client.post("/__admin/faults", json=faults).get_json()

        def set_balance(self, cid, balance):
            return client.put(f"/__admin/contacts/{cid}/balance", json={"balance": balance})

        def stats(self):
            return client.get("/__admin/stats").get_json()

        def documents(self, kind, **query):
            return client.get(f"/__admin/documents/{kind}", query_string=query).get_json()["documents"]

    return Sim()


def customer(**overrides) -> dict:
    address = {"line_1": "1 High Street", "line_2": None, "line_3": None, "town": "Leeds"}
    address |= {"county": "West Yorkshire", "postcode": "LS1 4AB"}
    known = {"address": address, "email": "john.smith@example.com", "phone": "0113 496 0000"}
    known |= {"credit_limit": "1500.00", "payment_terms_days": 30}
    return customer_event_data("3f1c2b8e-0000-4000-8000-000000000001", **{**known, **overrides})


def deliver(bus, event_type, data, tenant=TENANT, subject=None):
    """Publish the event as customers would, and deliver it."""
    publish(bus, event_type, data, tenant, subject=subject)
    return bus.drain()
