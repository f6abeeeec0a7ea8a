"""The fixtures every service's tests use, once: the app on a migrated SQLite file, an API client
that speaks as the gateway does, the outbox, the in-memory bus.

A service's `tests/conftest.py` loads this plugin and says which service it tests (the helpers
that are no fixtures, `ServiceUnderTest`, `Api`, `publish`, `count`, are in `fieldbook_shared.testing`):

    pytest_plugins = ["fieldbook_shared.pytest_plugin"]

    @pytest.fixture
    def service_under_test() -> ServiceUnderTest:
        return ServiceUnderTest("assets", MIGRATIONS, load_settings, create_app, AssetsUnitOfWork, HANDLERS)

and overrides, by defining a fixture of the same name, what it does its own way (`uow_factory` with
its lookups, `settings` on PostgreSQL). A stand-in for another service that the app keeps as an
extension is named in `ServiceUnderTest(stand_ins=...)`: the extension and the fixture.
Loaded by test code only (pytest is a test dependency, not one of the kit's).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .db import OutboxMessage
from .messaging.memory_bus import InMemoryBus
from .messaging.relay import OutboxRelay
from .migrations import upgrade
from .settings import Settings
from .testing import Api, ServiceUnderTest
from .uow import UnitOfWorkFactory


@pytest.fixture
def settings(service_under_test: ServiceUnderTest, tmp_path: Path) -> Settings:
    """The service's settings on a SQLite file migrated by its own Alembic scripts."""
    url = f"sqlite:///{tmp_path / (service_under_test.name + '.db')}"
    upgrade(service_under_test.migrations, url)
    overrides = service_under_test.settings_overrides
    return service_under_test.load_settings(database_url=url, testing=True, log_level="WARNING", **overrides)


@pytest.fixture
def app(service_under_test: ServiceUnderTest, settings: Settings, request: pytest.FixtureRequest) -> Flask:
    app = service_under_test.create_app(settings)
    for extension, fixture in service_under_test.stand_ins.items():
        app.extensions[extension] = request.getfixturevalue(fixture)
    return app


@pytest.fixture
def api(service_under_test: ServiceUnderTest, app: Flask) -> Api:
    return Api(app.test_client(), role=service_under_test.role)


@pytest.fixture
def sessions(app: Flask) -> sessionmaker[Session]:
    return app.extensions["fieldbook"].sessions


@pytest.fixture
def uow_factory(service_under_test: ServiceUnderTest, sessions: sessionmaker[Session]) -> UnitOfWorkFactory:
    return lambda context: service_under_test.unit_of_work(sessions, context, service_under_test.name)


@pytest.fixture
def outbox(sessions: sessionmaker[Session]):
    """Read what the service put in its outbox: `outbox(type=None)` → the CloudEvents (dicts), in
    order, optionally of one type; `outbox.count()` → how many."""

    def read(event_type: str | None = None) -> list[dict]:
        with sessions() as s:
            rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
            events = [json.loads(r.payload) for r in rows]
        return [e for e in events if event_type is None or e["type"] == event_type]

    read.count = lambda: len(read())  # type: ignore[attr-defined]
    return read


@pytest.fixture
def bus(
    service_under_test: ServiceUnderTest,
    settings: Settings,
    sessions: sessionmaker[Session],
    uow_factory: UnitOfWorkFactory,
) -> InMemoryBus:
    """The in-memory bus wired to this service's relay and handlers."""
    bus = InMemoryBus()
    bus.subscribe(service_under_test.name, uow_factory, service_under_test.handlers)
    bus.relay = OutboxRelay(settings, sessions)  # type: ignore[attr-defined]  # the tests drain through it
    return bus
