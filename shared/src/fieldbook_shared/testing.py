"""What every service's tests use beside the fixtures (those are `fieldbook_shared.pytest_plugin`).

- The service under test, the gateway's headers, an API client speaking with them, an event put
  on the in-memory bus as another service would publish it, a table's row count.
- Another service's HTTP answers: `Answer`, and `answering_gets` for requests.Session.get.
- The bodies and event data several suites send (unit and e2e alike): `private_customer`,
  `customer_event_data`, `document_line`, `card_details`, `payment_body`.
- For tests that need a real server (PostgreSQL, RabbitMQ): one rule for a server that is missing.
  Locally the test is skipped, with the reason. Under CI it fails: CI must never pass by skipping
  what it was meant to check. CI counts as set unless the variable is empty, "0", "false" or "no".

Imported by test code only (pytest is a test dependency, not one of the kit's).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import requests
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from .context import RequestContext
from .events import build_event
from .messaging.memory_bus import InMemoryBus
from .settings import Settings
from .uow import UnitOfWork


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> NoReturn:
    """Skip the test for lack of a server, or fail it under CI."""
    import pytest

    if in_ci():
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def unreachable(what: str, variable: str, exc: BaseException) -> NoReturn:
    """`unavailable` for a server that did not answer: what, why, and the setting that names it."""
    unavailable(
        f"{what} is not reachable ({type(exc).__name__}: {str(exc) or repr(exc)}); start it or set {variable}"
    )


POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def reachable_postgres(url: str = POSTGRES_URL) -> str:
    """`url` (a maintenance database the tests may CREATE / DROP DATABASE from: TEST_POSTGRES_URL,
    default the local server) once a connection to it opens; else `unreachable`."""
    try:
        psycopg.connect(url, autocommit=True, connect_timeout=3).close()
    except Exception as exc:  # any failure means "no database server"
        unreachable("PostgreSQL", "TEST_POSTGRES_URL", exc)
    return url


@contextmanager
def scratch_postgres_database(prefix: str, url: str = POSTGRES_URL) -> Iterator[str]:
    """A database of its own on the test server (`reachable_postgres(url)`), for one test or a
    session: its SQLAlchemy URL; dropped afterwards, connections and all."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(reachable_postgres(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        target = make_url(url).set(drivername="postgresql+psycopg", database=name)
        yield target.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


TENANT = "tenant-a"


@dataclass(frozen=True)
class ServiceUnderTest:
    """What the fixtures need to know of the service a test suite tests."""

    name: str  # as its settings name it: "accounting-sync"
    migrations: Path
    load_settings: Callable[..., Settings]
    create_app: Callable[[Settings], Flask]
    unit_of_work: Callable[[sessionmaker[Session], RequestContext, str], UnitOfWork]
    handlers: Mapping[str, Any]
    role: str = "admin"  # the role the `api` fixture speaks as
    settings_overrides: dict[str, Any] = field(default_factory=dict)  # what the tests set otherwise
    # the app's extensions the tests replace: extension name -> the fixture that stands in for it
    # (another service's lookup)
    stand_ins: dict[str, str] = field(default_factory=dict)


def headers(role: str = "admin", tenant: str = TENANT, **extra: str) -> dict[str, str]:
    """The headers the gateway adds to every request it forwards."""
    return {"X-Tenant-Id": tenant, "X-Role": role, "X-Actor": f"test:{role}", **extra}


class Api:
    """A test client that speaks as a gateway would: tenant, role and actor headers on every call
    (beside any `headers=` the call gives)."""

    def __init__(self, client: Any, role: str = "admin", tenant: str = TENANT):
        self.client, self.role, self.tenant = client, role, tenant

    def as_(self, role: str | None = None, tenant: str | None = None) -> Api:
        return Api(self.client, role or self.role, tenant or self.tenant)

    def _h(self, extra: dict | None) -> dict[str, str]:
        return headers(self.role, self.tenant, **(extra or {}))

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self._h(kw.pop("headers", None)), **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(path, json=json, headers=self._h(kw.pop("headers", None)), **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.put(path, json=json, headers=self._h(kw.pop("headers", None)), **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(path, json=json, headers=self._h(kw.pop("headers", None)), **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(path, headers=self._h(kw.pop("headers", None)), **kw)


def publish(
    bus: InMemoryBus,
    event_type: str,
    data: dict,
    tenant: str = TENANT,
    source: str = "customers",
    *,
    subject: str | None = None,
    event_id: str | None = None,
):
    """Put an event on the bus as another service would publish it; the event."""
    event = build_event(event_type, source=source, tenant_id=tenant, data=data, subject=subject)
    if event_id:
        event = replace(event, id=event_id)
    bus.publish(event_type, event.to_json(), event.id, tenant)
    return event


def count(sessions: sessionmaker[Session], model: Any) -> int:
    """How many rows `model`'s table holds (every tenant)."""
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def private_customer(**overrides: Any) -> dict:
    """A body for POST /v1/customers: Mr John Smith of 1 High Street, Leeds."""
    body = {
        "type": "private",
        "title": "Mr",
        "first_name": "John",
        "surname": "Smith",
        "address": {"line_1": "1 High Street", "town": "Leeds", "postcode": "LS1 4AB"},
        "email": "john.smith@example.com",
        "phone": "0113 496 0000",
    }
    body.update(overrides)
    return body


def document_line(
    description: str = "Labour",
    quantity: str = "1",
    unit_price: str = "100.00",
    vat_rate: str = "20",
    category: str = "labour",
) -> dict:
    """A line of a quote, job, invoice or credit note as billing's API takes it."""
    return {
        "description": description,
        "quantity": quantity,
        "unit_price": unit_price,
        "vat_rate": vat_rate,
        "category": category,
    }


def card_details(
    provider_token: str = "tok_1", last4: str = "4242", expiry_month: int = 12, expiry_year: int = 2030
) -> dict:
    """A body for billing's POST /v1/customers/{id}/cards: the provider's token for a Visa card and
    what may be shown of it (never its number or CVC)."""
    return {
        "provider_token": provider_token,
        "brand": "visa",
        "last4": last4,
        "expiry_month": expiry_month,
        "expiry_year": expiry_year,
    }


def payment_body(customer_id: str, amount: str, *allocations: tuple[dict, str], **fields: Any) -> dict:
    """A body for billing's POST /v1/payments: by bank transfer unless `fields` say otherwise
    (method, received_on, reference); `allocations` are (invoice, amount) pairs."""
    body = {"customer_id": customer_id, "method": "bank_transfer", "amount": amount, **fields}
    body["allocations"] = [{"invoice_id": invoice["id"], "amount": part} for invoice, part in allocations]
    return body


def customer_event_data(customer_id: str, version: int = 1, **overrides: Any) -> dict:
    """A customer.* event's data as the customers service publishes it (the catalogue's
    CustomerData): the snapshot of Mr John Smith, private and active."""
    data = {
        "id": customer_id,
        "version": version,
        "type": "private",
        "title": "Mr",
        "first_name": "John",
        "surname": "Smith",
        "company_name": None,
        "display_name": "Mr John Smith",
        "address": {"line_1": "1 High Street", "town": "Leeds", "postcode": "LS1 4AB"},
        "email": None,
        "status": "active",
        "blocked": False,
    }
    data.update(overrides)
    return data


class Answer:
    """Stands for a requests.Response from another service: a status and a JSON body (None: the
    body is no JSON)."""

    def __init__(self, status: int, body: Any = None):
        self.status_code, self._body = status, body
        self.content = b"" if body is None else repr(body).encode()

    def json(self) -> Any:
        if self._body is None:
            raise ValueError("no JSON")
        return self._body


class Answers(list):
    """The answers to give, in order (responses or exceptions), and the requests `sent`."""

    sent: list[dict[str, Any]]


def answering_gets(monkeypatch: Any) -> Answers:
    """Makes requests.Session.get give the answers appended to the list returned, in order (an
    exception is raised); each request is kept in its `sent`: session, url, headers, timeout."""
    given = Answers()
    given.sent = []

    def fake_get(session: Any, url: str, headers: Any = None, timeout: Any = None) -> Any:
        given.sent.append({"session": session, "url": url, "headers": headers, "timeout": timeout})
        answer = given.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(requests.Session, "get", fake_get)
    return given
