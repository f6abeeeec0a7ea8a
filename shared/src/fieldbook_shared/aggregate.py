"""Aggregates record their events; the unit of work writes them to the outbox at commit.

A model that other services hear about mixes in `Aggregate` and records what happened to it in
its own behaviour, next to the change:

    class Customer(Aggregate, Base):
        def block(self, reason: str, by: str) -> None:
            ...  # the fields a block sets
            self.record("customer.blocked")

    with uow:
        customer = uow.customers.get(customer_id, for_update=True)
        customer.block(reason, by=uow.context.actor)
        uow.commit()  # flush, then one outbox row per recorded event, then commit

The payload is the aggregate itself, dumped through the event catalogue's schema
(`fieldbook_shared.events.schemas.schema_for(event_type)`): every field the schema declares is read
off the aggregate by name, so the model exposes each of them (a column, or a property such as an
`address` returning the nested dict). Fields that are not the aggregate's own state travel as
`extra` (`record("customer.status_changed", previous_status="active")`). The subject is the
aggregate's `id`.

When: `UnitOfWork.collect()` writes the pending events of every aggregate in the session, in the
order they were recorded (across aggregates), after a flush so that ids, versions and defaults are
those the database holds. It runs at `commit()` (a nested one too), and before `publish()` writes
an event of its own, so hand-published events (ids only: `customer.deleted`) keep their place in
the order. A payload is the aggregate as it stands when it is collected: a use case that changes
an aggregate again after recording an event about it calls `uow.collect()` in between. A rollback
(or leaving `with uow:` without committing) drops what was recorded.

Pending events live on the instance (`_pending_events`), never in a column. An aggregate that
records while in a session is also held in `session.info` until collected: the session keeps only
weak references to unchanged rows, and a recorded event must not vanish with the last reference
to its row. One that recorded before it joined the session is held from the moment it joins
(`session.add`, or a cascade): the unit of work reads only what is held, never the whole identity
map, so collecting costs what was recorded, not what the session has loaded.

Rows a bulk job writes without the session (one multi-row INSERT) are not collected: build their
data with `payload(row, event_type)` and hand it to `uow.publish_many`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from .events.schemas import schema_for

# one order across all aggregates: what was recorded first is written first
_order = itertools.count()
RECORDED = "fieldbook_recorded_aggregates"  # the `session.info` key


@dataclass
class PendingEvent:
    order: int
    event_type: str
    extra: dict[str, Any] = field(default_factory=dict)


class Aggregate:
    """Mixin for a model whose changes are events: `record` them, the unit of work writes them."""

    id: Any

    def record(self, event_type: str, **extra: Any) -> None:
        """Note that `event_type` happened to this aggregate; written to the outbox at collect."""
        self.__dict__.setdefault("_pending_events", []).append(PendingEvent(next(_order), event_type, extra))
        session = object_session(self)
        if session is not None:
            session.info.setdefault(RECORDED, []).append(self)

    def pending_events(self) -> list[PendingEvent]:
        """What was recorded and not yet collected (a loaded row starts with none)."""
        return list(self.__dict__.get("_pending_events", ()))

    def clear_pending_events(self) -> None:
        self.__dict__.pop("_pending_events", None)


@event.listens_for(Session, "transient_to_pending")
@event.listens_for(Session, "detached_to_persistent")
def _hold_on_joining(session: Session, obj: Any) -> None:
    """An aggregate that recorded before it joined `session` is held like one that recorded in it."""
    if isinstance(obj, Aggregate) and obj.__dict__.get("_pending_events"):
        session.info.setdefault(RECORDED, []).append(obj)


def payload(aggregate: Any, event_type: str, extra: dict[str, Any] | None = None) -> dict:
    """The data of `event_type` about `aggregate`: each field the catalogue schema declares, read
    off the aggregate, then `extra`. What the unit of work writes for a recorded event; also for
    rows a bulk job writes without the session (`uow.publish_many`)."""
    extra = extra or {}
    data = {}
    for name, schema_field in schema_for(event_type).fields.items():
        attribute = schema_field.attribute or name
        if attribute not in extra and hasattr(aggregate, attribute):
            data[attribute] = getattr(aggregate, attribute)
    return {**data, **extra}
