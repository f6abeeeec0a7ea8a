"""Fixtures of the end-to-end suite: infrastructure, the running system, tenants, AMQP.

See README.md. In short: `E2E_AMQP_URL` + `E2E_DATABASE_URL`, else testcontainers when Docker
answers, else fail (CI set) or skip (not CI).
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fieldbook_shared import service_table
from fieldbook_shared import testing as fieldbook_testing
from harness.amqp import Amqp
from harness.infra import InfrastructureUnavailable, resolve
from harness.processes import ApiSession, System, new_system

# one database each (the console has none)
SERVICES = [s.name for s in service_table.SERVICES if s.kind == "service" or s.name == "gateway"]

_running: System | None = None
_run_dir: Path | None = None


def unavailable(reason: str):
    """Fail under CI (never skip silently there), skip otherwise."""
    fieldbook_testing.unavailable(f"e2e infrastructure unavailable: {reason}")


@pytest.fixture(scope="session")
def infra():
    try:
        infrastructure = resolve()
    except InfrastructureUnavailable as exc:
        unavailable(str(exc))
    yield infrastructure
    infrastructure.close()


@pytest.fixture(scope="session")
def system(infra):
    global _running, _run_dir
    sys_, resources = new_system(infra, SERVICES, "fbe2e")
    _run_dir = sys_.run_dir
    _running = sys_
    atexit.register(sys_.stop_all)  # belt and braces if the session dies before teardown
    try:
        try:
            sys_.start_all()
        except Exception as exc:
            pytest.fail(
                f"the system did not start: {exc}\n\nprocess logs (tails):\n{sys_.log_tails(60)}",
                pytrace=False,
            )
        yield sys_
    finally:
        sys_.stop_all()
        atexit.unregister(sys_.stop_all)
        resources.release()
        _running = None


@pytest.fixture(scope="session")
def amqp(system):
    helper = Amqp(system.amqp_url)
    yield helper
    helper.close_queues()


@pytest.fixture
def smtp(system):
    """The suite's SMTP server (comms sends to it); never left refusing after a test."""
    yield system.smtp
    system.smtp.refusing = False


@pytest.fixture
def clock(system):
    """The services' clock, for tests that move time: `clock(datetime(...))` sets every service's
    (System.set_clock); the real time again afterwards."""
    yield system.set_clock
    system.set_clock(None)


@pytest.fixture
def broker(system):
    """The broker, for tests that stop it; always started again afterwards."""
    if not system.broker.can_control:
        unavailable("cannot stop/start the broker here (no local rabbitmqctl for E2E_AMQP_URL, no container)")
    yield system.broker
    if not system.broker.is_up():
        system.broker.start()


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright (harness/browser.py), for a module's tests."""
    from harness.browser import chromium

    playwright_api = pytest.importorskip("playwright.sync_api")
    with chromium(playwright_api) as launched:
        yield launched


@pytest.fixture
def console(system) -> str:
    """The console's address, behind the gateway."""
    return system.gateway_url + "/console"


@dataclass
class Tenant:
    """A fresh tenant with an admin key; `client(role)` gives a session with a new key of that role."""

    system: System
    id: str
    name: str
    admin_key: str
    _clients: dict[str, ApiSession] = field(default_factory=dict)

    @property
    def admin(self) -> ApiSession:
        return self.client("admin")

    @property
    def sage_business(self) -> str:
        """The tenant's own business in the Sage simulator (set by `new_tenant`)."""
        return f"e2e-{self.id}"

    def client(self, role: str = "admin") -> ApiSession:
        if role not in self._clients:
            key = self.admin_key if role == "admin" else self.system.create_key(self.id, role, f"e2e-{role}")
            self._clients[role] = self.system.client(key)
        return self._clients[role]


def new_tenant(system: System, label: str = "tenant") -> Tenant:
    name = f"e2e {label} {secrets.token_hex(3)}"
    tenant_id = system.create_tenant(name)
    tenant = Tenant(system, tenant_id, name, system.create_key(tenant_id, "admin", "e2e-admin"))
    # a Sage business of its own, as a real tenant has: matching in Sage never sees other tests'
    # customers (all tenants in one business made look-alikes from other tests link or need review)
    r = tenant.admin.put("/v1/accounting/business", json={"business_id": tenant.sage_business})
    assert r.status_code == 200, r.text
    return tenant


@pytest.fixture
def tenant(system) -> Tenant:
    """A tenant of its own for each test, so counts and searches see only the test's data."""
    return new_tenant(system, "a")


@pytest.fixture
def other_tenant(system) -> Tenant:
    return new_tenant(system, "b")


@pytest.fixture
def events(amqp):
    """Bind exclusive test queues to fieldbook.events: `events("customer.created", ...)`."""
    queues = []

    def bind(*routing_keys: str, durable: bool = False):
        q = amqp.bind_test_queue(list(routing_keys) or ["#"], durable=durable)
        queues.append(q)
        return q

    yield bind
    for q in queues:
        q.close()


# ---------------------------------------------------------------------------------- reporting


def pytest_collection_modifyitems(session, config, items):
    """Tests marked `floods_the_bus` run last: the events they leave behind (10,000 customers to
    apply and sync) would otherwise sit in the queues ahead of every later test's events."""
    items.sort(key=lambda item: item.get_closest_marker("floods_the_bus") is not None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and _running is not None and call.excinfo is not None:
        if not call.excinfo.errisinstance((pytest.skip.Exception,)):
            report.sections.append(("fieldbook process logs (tails)", _running.log_tails()))


def pytest_sessionfinish(session, exitstatus):
    if _run_dir is None or not _run_dir.exists():
        return
    if session.testsfailed or os.environ.get("E2E_KEEP_LOGS"):
        session.config._e2e_kept = _run_dir  # type: ignore[attr-defined]
    else:
        shutil.rmtree(_run_dir, ignore_errors=True)


def pytest_terminal_summary(terminalreporter):
    kept = getattr(terminalreporter.config, "_e2e_kept", None)
    if kept:
        terminalreporter.write_line(f"e2e: process logs kept in {kept}/logs")
