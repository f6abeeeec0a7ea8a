"""The kit's Alembic branch on PostgreSQL: a database made before the branch existed (the service's
history run to a revision of that time, see unit/test_kit_branch.py) upgrades without error to the
schema, indexes and alembic_version rows of a new database."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from migration_support import BEFORE_THE_INDEX, HEADS, migrations_of, schema_of, versions_of
from sqlalchemy.engine import make_url

from fieldbook_shared.db import KIT_TABLES
from fieldbook_shared.migrations import upgrade

pytestmark = pytest.mark.integration


@pytest.fixture
def new_database(postgres_url: str) -> Iterator[Callable[[], str]]:
    """Makes throwaway databases, dropped after the test."""
    names: list[str] = []

    def make() -> str:
        names.append(f"fieldbook_test_{uuid.uuid4().hex[:12]}")
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{names[-1]}"')
        url = make_url(postgres_url).set(drivername="postgresql+psycopg", database=names[-1])
        return url.render_as_string(hide_password=False)

    yield make
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("package", sorted(HEADS))
def test_a_database_made_before_the_kit_branch_upgrades_to_the_new_schema(package, new_database):
    new = new_database()
    upgrade(migrations_of(package), new)
    for revision in (BEFORE_THE_INDEX[package], HEADS[package]):
        old = new_database()
        upgrade(migrations_of(package), old, revision)
        assert versions_of(old) == {revision}
        assert set(KIT_TABLES) <= set(schema_of(old))

        upgrade(migrations_of(package), old)

        assert schema_of(old) == schema_of(new)
        assert versions_of(old) == versions_of(new)
