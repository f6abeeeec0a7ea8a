"""The customers service on a real PostgreSQL, migrated by its own Alembic scripts.

TEST_POSTGRES_URL (default the local server) names a maintenance database the tests may
CREATE / DROP DATABASE from. The migrations run once into a scratch template database; each test
gets its own copy of it (CREATE DATABASE … TEMPLATE), and every database is dropped afterwards.
A missing server skips the tests locally and fails them when CI is set (as the kit's own
integration tests do).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from customers.app import create_app
from customers.manage import MIGRATIONS
from customers.settings import load_settings
from fieldbook_shared.migrations import upgrade
from fieldbook_shared.testing import POSTGRES_URL, reachable_postgres

RUN = uuid.uuid4().hex[:8]


def _sqlalchemy_url(name: str) -> str:
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def _admin(sql: str) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return reachable_postgres(POSTGRES_URL)


@pytest.fixture(scope="session")
def migrated_template(postgres_url: str) -> Iterator[str]:
    """A scratch database with every migration applied, copied for each test."""
    name = f"customers_it_{RUN}_template"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        upgrade(MIGRATIONS, _sqlalchemy_url(name))  # NullPool: nothing stays connected to it
        yield name
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(migrated_template: str) -> Iterator[str]:
    name = f"customers_it_{RUN}_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
    try:
        yield _sqlalchemy_url(name)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database_url: str):
    """Replaces the unit tests' SQLite settings: the same fixtures (`api`, `sessions`, `outbox`)
    then run against PostgreSQL."""
    return load_settings(database_url=database_url, testing=True, log_level="WARNING")


@pytest.fixture
def app(settings):
    app = create_app(settings)
    yield app
    app.extensions["fieldbook"].engine.dispose()
