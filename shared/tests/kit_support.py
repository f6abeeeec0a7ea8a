"""Test doubles shared by the kit's unit and integration tests: an effects table and handlers."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import Base, OutboxMessage, ProcessedEvent, create_engine
from fieldbook_shared.events import Event
from fieldbook_shared.settings import Settings
from fieldbook_shared.uow import UnitOfWork
from fieldbook_shared.web import create_service_app, current_uow

TENANT = "tenant-a"


class EffectsBase(DeclarativeBase):
    """Kept apart from the kit's Base so test tables never leak into a service's metadata."""


class Effect(EffectsBase):
    """What a handler did: one row per applied event."""

    __tablename__ = "test_effects"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))
    tenant_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(100))


def create_schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    EffectsBase.metadata.create_all(engine)


def uow_factory(sessions: sessionmaker[Session], source: str = "test"):
    return lambda context: UnitOfWork(sessions, context, source=source)


def remove_customer(uow: UnitOfWork, customer_id: str, event_id: str) -> None:
    """A service function as services write them: its own `with uow:` and commit (re-entrant)."""
    with uow:
        uow.session.add(
            Effect(
                event_id=event_id, tenant_id=uow.tenant_id, customer_id=customer_id, actor=uow.context.actor
            )
        )
        uow.commit()


def on_customer_deleted(uow: UnitOfWork, event: Event) -> None:
    remove_customer(uow, event.data["customer_id"], event.id)


def publish_deleted(
    sessions: sessionmaker[Session], customer_id: str, tenant_id: str = TENANT, source: str = "test"
) -> str:
    """Commit one `customer.deleted` outbox row the way a web request would; return the event id."""
    uow = UnitOfWork(sessions, RequestContext(tenant_id=tenant_id, actor="alice"), source=source)
    with uow:
        event = uow.publish("customer.deleted", {"customer_id": customer_id}, subject=customer_id)
        uow.commit()
    return event.id


def effects(sessions: sessionmaker[Session]) -> list[Effect]:
    with sessions() as session:
        return list(session.scalars(select(Effect).order_by(Effect.id)))


def inbox_ids(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as session:
        return set(session.scalars(select(ProcessedEvent.event_id)))


def outbox_rows(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def unsent_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )


def wait_until(predicate: Callable[[], object], timeout: float = 20.0, what: str = "condition") -> object:
    """Poll until `predicate()` is truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


# -- a tiny web app whose tables carry database constraints (unique, foreign key, not null, check) --


class Shelf(EffectsBase):
    __tablename__ = "test_shelves"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))


class Gadget(EffectsBase):
    __tablename__ = "test_gadgets"
    __table_args__ = (
        UniqueConstraint("tenant_id", "serial_number", name="uq_test_gadgets_serial_number"),
        CheckConstraint("weight > 0", name="ck_test_gadgets_weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    serial_number: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    weight: Mapped[int] = mapped_column(default=1)
    shelf_id: Mapped[int | None] = mapped_column(ForeignKey("test_shelves.id"))


gadgets = Blueprint("gadgets", __name__, url_prefix="/v1/gadgets")


@gadgets.route("")
class Gadgets(MethodView):
    def post(self):
        """Stores the body as it comes: the database, not a schema, refuses what is wrong."""
        body = request.get_json()
        uow = current_uow()
        with uow:
            uow.session.add(Gadget(tenant_id=uow.tenant_id, **body))
            uow.commit()
        return {"ok": True}, 201


@gadgets.route("/shelves/<int:shelf_id>")
class ShelfView(MethodView):
    def put(self, shelf_id):
        uow = current_uow()
        with uow:
            uow.session.add(Shelf(id=shelf_id, tenant_id=uow.tenant_id))
            uow.commit()
        return {"ok": True}, 200

    def delete(self, shelf_id):
        uow = current_uow()
        with uow:
            uow.session.execute(delete(Shelf).where(Shelf.id == shelf_id))
            uow.commit()
        return "", 204


def gadgets_client(database_url: str):
    engine = create_engine(database_url)
    create_schema(engine)
    engine.dispose()
    settings = Settings(service="gadgets", database_url=database_url, testing=True, log_level="WARNING")
    app = create_service_app(settings, title="Gadgets", blueprints=[gadgets])
    return app.test_client()
