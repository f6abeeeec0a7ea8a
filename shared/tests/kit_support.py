"""Test doubles shared by the kit's unit and integration tests: an effects table and handlers."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import String, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import Base, OutboxMessage, ProcessedEvent
from fieldbook_shared.events import Event
from fieldbook_shared.uow import UnitOfWork

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
