"""Real RabbitMQ and PostgreSQL for the kit's integration tests.

AMQP_URL (default the local broker) and TEST_POSTGRES_URL (a maintenance database the tests may
CREATE/DROP DATABASE from; default the local server) say where. Each test gets its own database
and its own service names and exchange, and removes them afterwards, so runs can share a broker.
Missing services skip the tests locally, and fail them when CI is set.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pika
import psycopg
import pytest
from kit_support import create_schema
from sqlalchemy.engine import make_url

from fieldbook_shared.db import create_engine, session_factory
from fieldbook_shared.settings import Settings
from fieldbook_shared.testing import POSTGRES_URL, reachable_postgres, unreachable

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@pytest.fixture(scope="session")
def amqp_url() -> str:
    params = pika.URLParameters(AMQP_URL)
    params.connection_attempts = 1
    params.socket_timeout = 3
    try:
        pika.BlockingConnection(params).close()
    except Exception as exc:  # any failure means "no broker"
        unreachable("RabbitMQ", "AMQP_URL", exc)
    return AMQP_URL


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return reachable_postgres(POSTGRES_URL)


@pytest.fixture
def database_url(postgres_url: str) -> Iterator[str]:
    """A throwaway database, dropped after the test."""
    name = f"fieldbook_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(postgres_url).set(drivername="postgresql+psycopg", database=name)
    yield url.render_as_string(hide_password=False)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_sessions(database_url: str):
    engine = create_engine(database_url)
    create_schema(engine)
    yield session_factory(engine)
    engine.dispose()


class Broker:
    """Hands out per-test Settings (unique service and exchange) and removes what they declared."""

    def __init__(self, amqp_url: str, database_url: str):
        self.amqp_url = amqp_url
        self.database_url = database_url
        self.run = uuid.uuid4().hex[:8]
        self.exchange = f"fieldbook.events.test-{self.run}"
        self.created: list[Settings] = []

    def settings(self, role: str, **changes) -> Settings:
        values = {
            "service": f"test-{self.run}-{role}",
            "database_url": self.database_url,
            "amqp_url": self.amqp_url,
            "exchange": self.exchange,
            "delivery_limit": 2,
            "relay_idle_seconds": 0.05,
        }
        settings = Settings(**(values | changes))
        self.created.append(settings)
        return settings

    @contextlib.contextmanager
    def channel(self) -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
        try:
            yield connection.channel()
        finally:
            if connection.is_open:
                connection.close()

    def message_count(self, queue: str) -> int:
        with self.channel() as channel:
            return channel.queue_declare(queue, passive=True).method.message_count

    def drain(self, queue: str) -> list[tuple[pika.spec.BasicProperties, bytes]]:
        """Take (and ack) everything currently in `queue`."""
        messages = []
        with self.channel() as channel:
            while True:
                method, properties, body = channel.basic_get(queue, auto_ack=True)
                if method is None:
                    return messages
                messages.append((properties, body))

    def cleanup(self) -> None:
        with self.channel() as channel:
            for settings in self.created:
                channel.queue_delete(settings.queue)
                channel.queue_delete(settings.dead_letter_queue)
            channel.exchange_delete(self.exchange)
        # The dead-letter exchange is shared by every service on the broker and stays.


@pytest.fixture
def broker(amqp_url: str, database_url: str) -> Iterator[Broker]:
    broker = Broker(amqp_url, database_url)
    yield broker
    broker.cleanup()
