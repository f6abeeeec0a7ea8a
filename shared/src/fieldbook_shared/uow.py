"""The unit of work: one session, one transaction, and the outbox rows that travel with it.

    with uow:
        customer = uow.customers.get(customer_id)
        customer.block(reason, by=uow.context.actor)  # records customer.blocked on the customer
        uow.commit()  # writes it to the outbox, then commits

Events about an aggregate are recorded on it (`fieldbook_shared.aggregate`) and collected by the
unit of work at commit, each dumped through the event catalogue's schema. `publish` stays for the
events that are not an aggregate's snapshot (`customer.deleted {customer_id}`).

A service subclasses `UnitOfWork` and declares its repositories as annotations (`notes: Notes`),
which `open_repositories` opens with the session and the tenant. The unit of work is re-entrant: a
consumer opens it, records the event in the inbox, and the service function it calls opens it
again without starting a second transaction. Inside such a nested `with uow:`
the outermost one owns the transaction: `commit()` only flushes (the outer commit makes it
durable, inbox row and all), and `rollback()` rolls the whole transaction back and makes the
outer `commit()` raise `NestedRollback`, so the work is retried, never half applied.
"""

from __future__ import annotations

import inspect
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import Select, Table, insert, literal, select
from sqlalchemy.orm import Session, sessionmaker

from .aggregate import RECORDED, Aggregate, PendingEvent, payload
from .context import RequestContext
from .db import OutboxMessage, utcnow
from .events import Event, build_event
from .problems import NotFound


class NestedRollback(RuntimeError):
    """The outer commit of a unit of work whose nested part rolled back: nothing was committed."""


class Repository:
    """What a unit of work opens for a service (`notes: Notes`): access to its records within one
    tenant, through the unit of work's session."""

    def __init__(self, session: Session, tenant_id: str):
        self.session = session
        self.tenant_id = tenant_id

    def add(self, row: object) -> None:
        self.session.add(row)

    def select(self, model: Any, *where: Any) -> Select:
        """`model`'s rows of this tenant that match `where`."""
        return select(model).where(model.tenant_id == self.tenant_id, *where)

    def find_one(self, model: Any, *where: Any, lock: bool = False) -> Any:
        """The tenant's row of `model` that matches `where` (locked FOR UPDATE with `lock`), or None."""
        stmt = self.select(model, *where)
        return self.session.scalar(stmt.with_for_update() if lock else stmt)

    def get_one(self, model: Any, *where: Any, missing: str, lock: bool = False) -> Any:
        """The same row; a 404 saying `missing` when there is none."""
        row = self.find_one(model, *where, lock=lock)
        if row is None:
            raise NotFound(missing)
        return row


class UnitOfWork:
    def __init__(self, sessions: sessionmaker[Session], context: RequestContext, source: str):
        self._sessions = sessions
        self.context = context
        self.source = source
        self.session: Session | None = None
        self._depth = 0
        self._rollback_only = False
        self._joined = False
        self._flush_on_commit = True
        self.published: list[Event] = []

    @property
    def tenant_id(self) -> str:
        return self.context.tenant_id

    def __enter__(self) -> UnitOfWork:
        if self._depth == 0:
            self.session = self._sessions()
            self.published = []
            self._rollback_only = False
            try:
                self.open_repositories(self.session)
            except BaseException:
                self.session.close()
                self.session = None
                raise
        self._depth += 1
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._depth -= 1
        if self._depth == 0 and self.session is not None:
            self._drop_pending_events()  # recorded but never committed
            # close() rolls back whatever was not committed and detaches the objects without
            # expiring them, so the API layer can still read what a use case returned
            self.session.close()
            self.session = None

    @contextmanager
    def joined(self, session: Session, flush: bool = True) -> Iterator[UnitOfWork]:
        """This unit of work as one part of a transaction it does not own: a consumer's batch.
        `commit()` only flushes (the batch commits; with `flush=False` not even that, so the batch
        flushes every part's writes at once), `rollback()` fails this part at once
        (`NestedRollback`: the batch undoes it), and an exception drops the events recorded inside."""
        assert self._depth == 0, "joined() on a unit of work already open"
        self.session = session
        self.published = []
        self._rollback_only = False
        self._joined = True
        self._flush_on_commit = flush
        self.open_repositories(session)
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._drop_pending_events()
            raise
        finally:
            self._depth = 0
            self._joined = False
            self.session = None

    def open_repositories(self, session: Session) -> None:
        """Opens the repositories a service's unit of work declares as annotations (`notes: Notes`):
        each class is made with the session and the tenant, `Notes(session, tenant_id)`."""
        for klass in type(self).__mro__:
            if klass is UnitOfWork:
                break
            for name, repository in inspect.get_annotations(klass, eval_str=True).items():
                if isinstance(repository, type):  # not a ClassVar[...] or other typing form
                    setattr(self, name, repository(session, self.tenant_id))

    def commit(self) -> None:
        """Commit the transaction; inside a nested `with uow:` only flush it (the outer one commits)."""
        assert self.session is not None, "commit outside `with uow:`"
        self.collect()
        if self._depth > 1 or self._joined:
            if self._flush_on_commit:
                self.session.flush()
            return
        if self._rollback_only:
            raise NestedRollback("a nested part of this unit of work rolled back; nothing was committed")
        self.session.commit()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the transaction that may fail on its own (a business refusal the caller answers
        in another way): on an exception its writes and the events recorded inside it are undone,
        what came before stays. Events recorded before it go to the outbox first, so only the
        failed part's are dropped."""
        assert self.session is not None, "savepoint outside `with uow:`"
        self.collect()
        try:
            with self.session.begin_nested():
                yield
        except BaseException:
            self._drop_pending_events()
            raise

    def rollback(self) -> None:
        """Roll the transaction back; inside a nested `with uow:` the outer commit then raises."""
        if self.session is not None:
            self._drop_pending_events()
            if self._joined:  # the transaction is the batch's: undo only this part, by failing it
                raise NestedRollback("rolled back inside a consumer's batch; the event is retried")
            self.session.rollback()
            self._rollback_only = self._depth > 1

    def collect(self) -> list[Event]:
        """Write the events the session's aggregates recorded to the outbox, in the order recorded.

        Flushes first (only when something was recorded), so each payload carries the id, version
        and defaults the database holds; see `fieldbook_shared.aggregate`."""
        assert self.session is not None, "collect outside `with uow:`"
        pending: list[tuple[PendingEvent, Aggregate]] = []
        seen: set[int] = set()
        for obj in self._aggregates():
            if isinstance(obj, Aggregate) and id(obj) not in seen:
                seen.add(id(obj))
                pending += [(event, obj) for event in obj.pending_events()]
                obj.clear_pending_events()
        if not pending:
            return []
        self.session.flush()
        pending.sort(key=lambda item: item[0].order)
        return [
            self._publish(
                event.event_type, payload(aggregate, event.event_type, event.extra), subject=aggregate.id
            )
            for event, aggregate in pending
        ]

    def _aggregates(self) -> list:
        """The aggregates that recorded events in (or before joining) the session, duplicates
        included; taken from the session, so each is collected once."""
        assert self.session is not None
        return self.session.info.pop(RECORDED, [])

    def _drop_pending_events(self) -> None:
        for obj in self._aggregates():
            if isinstance(obj, Aggregate):
                obj.clear_pending_events()

    def publish(self, event_type: str, data: dict, subject: str | None = None) -> Event:
        """Add an event to the outbox in this transaction; it is sent only if the transaction commits.

        What aggregates recorded before it is written first, so the outbox keeps the order."""
        assert self.session is not None, "publish outside `with uow:`"
        self.collect()
        return self._publish(event_type, data, subject)

    def _publish(self, event_type: str, data: dict, subject: str | None) -> Event:
        assert self.session is not None
        event = build_event(
            event_type,
            source=self.source,
            tenant_id=self.tenant_id,
            data=data,
            subject=subject,
            correlation_id=self.context.correlation_id or self.context.request_id,
        )
        self.session.add(
            OutboxMessage(
                event_id=event.id,
                event_type=event.type,
                tenant_id=event.tenant_id,
                subject=subject,
                payload=event.to_json(),
            )
        )
        self.published.append(event)
        return event

    def report_erasure(self, customer_id: str, actions: dict) -> Event:
        """This service's part of an erasure (`customer.erasure_reported`, for customers' report):
        `actions` are counts and facts, never the erased data."""
        return self.publish(
            "customer.erasure_reported",
            {"customer_id": customer_id, "service": self.source, "actions": actions},
            subject=customer_id,
        )

    def publish_many(self, items: Iterable[tuple[str, dict, str | None]]) -> list[Event]:
        """`publish` for many events at once: (type, data, subject) each, validated the same way,
        written to the outbox in the given order by one multi-row INSERT (bulk jobs: imports)."""
        assert self.session is not None, "publish outside `with uow:`"
        self.collect()
        correlation_id = self.context.correlation_id or self.context.request_id
        built = [
            build_event(
                event_type,
                source=self.source,
                tenant_id=self.tenant_id,
                data=data,
                subject=subject,
                correlation_id=correlation_id,
            )
            for event_type, data, subject in items
        ]
        if built:
            now = utcnow()
            self.session.execute(
                insert(cast(Table, OutboxMessage.__table__)),
                [
                    {
                        "event_id": e.id,
                        "event_type": e.type,
                        "tenant_id": e.tenant_id,
                        "subject": e.subject,
                        "payload": e.to_json(),
                        "created_at": now,
                        "attempts": 0,
                    }
                    for e in built
                ],
            )
        self.published.extend(built)
        return built

    def bulk_events(self, event_type: str) -> BulkEvents:
        """Events of one type for a bulk writer (an import): `BulkEvents.make(data, subject)` gives
        each one's id and serialised CloudEvent without the schema round trip of `build_event`
        (too dear per row); the writer checks one row against it (`check_bulk_event`) and writes
        them with `publish_select`."""
        return BulkEvents(
            Event(
                type=event_type,
                source=self.source,
                subject=None,
                tenant_id=self.tenant_id,
                data={},
                correlation_id=self.context.correlation_id or self.context.request_id,
            )
        )

    def check_bulk_event(self, event_json: str, expected: dict) -> None:
        """Refuse (RuntimeError) a bulk event whose data differs from what `build_event` makes of
        `expected` (`aggregate.payload(row, type)` of the same row): the fast path must never drift
        from the catalogue."""
        event = json.loads(event_json)
        built = build_event(event["type"], source=self.source, tenant_id=self.tenant_id, data=expected)
        if built.data != event["data"]:
            raise RuntimeError(
                f"bulk {built.type} data differs from the catalogue's: {event['data']} != {built.data}"
            )

    def publish_select(self, rows: Select) -> int:
        """Outbox rows from a SELECT of (event_id, event_type, subject, payload) — events made with
        `bulk_event` and staged beside the rows they describe — in the SELECT's order, by one
        INSERT … SELECT. Returns how many were written."""
        assert self.session is not None, "publish outside `with uow:`"
        self.collect()
        now = utcnow()
        event_id, event_type, subject, data = rows.selected_columns
        source = rows.with_only_columns(
            event_id,
            event_type,
            literal(self.tenant_id),
            subject,
            data,
            literal(now, OutboxMessage.__table__.c.created_at.type),
            literal(0),
        )
        table = cast(Table, OutboxMessage.__table__)
        result = self.session.execute(
            insert(table).from_select(
                ["event_id", "event_type", "tenant_id", "subject", "payload", "created_at", "attempts"],
                source,
            )
        )
        return cast(int, getattr(result, "rowcount", 0))


UnitOfWorkFactory = Callable[[RequestContext], UnitOfWork]


# Event.to_json's settings, one encoder for every bulk event (json.dumps would build one per call)
_encode = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode


class BulkEvents:
    """Many events like `sample` (type, source, tenant, correlation, time), each with its own id,
    subject and data, serialised as `Event.to_json` does it: the envelope is cut once into the
    pieces around id, subject and data, and each event only serialises its data."""

    _ID, _SUBJECT = "\x00id\x00", "\x00subject\x00"

    def __init__(self, sample: Event):
        self.sample = sample
        marked = replace(sample, id=self._ID, subject=self._SUBJECT, data={})
        if sample.correlation_id is None:  # the correlation is then each event's own id
            marked = replace(marked, correlation_id=None)
        text = marked.to_json()
        self._pieces: list[tuple[str, str]] = []  # (literal text, the value after it)
        for part in re.split(r"(\"\\u0000id\\u0000\"|\"\\u0000subject\\u0000\"|\"data\":\{\})", text):
            if part == json.dumps(self._ID):
                self._pieces.append(("", "id"))
            elif part == json.dumps(self._SUBJECT):
                self._pieces.append(("", "subject"))
            elif part == '"data":{}':
                self._pieces.append(('"data":', "data"))
            else:
                self._pieces.append((part, ""))
        self._checked = False

    def make(self, data: dict, subject: str | None, event_id: str | None = None) -> tuple[str, str]:
        """(event id, the CloudEvent as JSON) of one event; `event_id` one of `db.new_ids`, or new."""
        event_id = event_id or str(uuid.uuid4())
        values = {"id": f'"{event_id}"', "subject": _encode(subject), "data": _encode(data), "": ""}
        text = "".join([literal + values[name] for literal, name in self._pieces])
        if not self._checked:  # the first one, against the envelope's own serialisation
            expected = replace(self.sample, id=event_id, subject=subject, data=data).to_json()
            if text != expected:
                raise RuntimeError(f"bulk event serialised differently: {text} != {expected}")
            self._checked = True
        return event_id, text
