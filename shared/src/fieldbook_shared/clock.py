"""The time code that acts on dates reads: `now()` and `today()`.

In production it is the real time (UTC). A test that has to move time (a monthly invoice over six
months, a reminder chain over a month of days) runs the services with `FIELDBOOK_TEST_CLOCK=1`:
then the time is read from the kit's one-row table `test_clock`, so every web and worker process of
a service agrees on it, and set over HTTP by `PUT /internal/clock` (the internal token, no tenant),
which the e2e harness sends to every service at once (`System.set_clock`). While no time is set the
test clock is the real time too. docs/architecture.md §6.

What moves with it: business dates (an invoice's issue date, a schedule's next run, what is due).
What does not: leases, heartbeats, retention and the other timings of processes, which stay on the
real time (`db.utcnow`) so a clock moved by months never makes a live worker look dead.

A process reads its setting once (`install(settings)`: the app factory and the worker do it);
`set_to(bind, when)` and `reset(bind)` are what the endpoint does, for tests in one process.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, current_app, request
from marshmallow import ValidationError, fields
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .db import TestClockRow, create_engine, reads_only, utcnow
from .problems import ValidationFailed, flatten_errors
from .schemas import StrictSchema
from .settings import Settings

log = logging.getLogger("fieldbook.clock")

PATH = "/internal/clock"
ROW_ID = 1

# The engine the test clock is read through, or None: the real time.
_engine: Engine | None = None


def install(settings: Settings) -> None:
    """Read `settings.test_clock`: on, the time comes from the service's `test_clock` table; off
    (production, and the default), the real time."""
    global _engine
    if _engine is not None:
        _engine.dispose()
    _engine = None
    if settings.test_clock:
        # a pool of its own, small: read between a request's own statements, never inside them
        sizes: dict[str, Any] = {} if settings.database_url.startswith("sqlite") else {"pool_size": 1}
        _engine = create_engine(settings.database_url, **sizes)
        log.warning("%s: the test clock is on (FIELDBOOK_TEST_CLOCK): never in production", settings.service)


def is_test_clock() -> bool:
    return _engine is not None


def now() -> datetime:
    """The time now, timezone-aware UTC: the test clock's when it is on and set, else the real time."""
    if _engine is None:
        return utcnow()
    with reads_only(_engine).connect() as conn:
        row = conn.execute(
            select(TestClockRow.now_at, TestClockRow.set_at, TestClockRow.ticking).where(
                TestClockRow.id == ROW_ID
            )
        ).first()
    if row is None:
        return utcnow()
    now_at, set_at, ticking = row
    return now_at + (utcnow() - set_at) if ticking else now_at


def today() -> date:
    """Today's date (UTC) by `now()`."""
    return now().date()


def set_to(bind: Engine | Session, when: datetime, *, ticking: bool = False) -> None:
    """Set the test clock of the database behind `bind` to `when` (timezone-aware): it stands
    there, or with `ticking` runs on from there at the real pace."""
    if when.tzinfo is None:
        raise ValueError("the test clock takes a timezone-aware time")
    row = TestClockRow(id=ROW_ID, now_at=when, set_at=utcnow(), ticking=ticking)
    with _session(bind) as session, session.begin():
        session.merge(row)


def reset(bind: Engine | Session) -> None:
    """The test clock back to the real time."""
    with _session(bind) as session, session.begin():
        session.execute(delete(TestClockRow))


def _session(bind: Engine | Session) -> Session:
    return Session(bind.get_bind() if isinstance(bind, Session) else bind)


class ClockIn(StrictSchema):
    now = fields.AwareDateTime(required=True, metadata={"example": "2027-01-31T09:00:00Z"})
    ticking = fields.Boolean(load_default=False)


# Registered by `web.create_service_app` only when the test clock is on: in production the path
# does not exist. A plain Flask blueprint, so it never appears in the service's OpenAPI.
blueprint = Blueprint("fieldbook_test_clock", __name__)


def _answer() -> Response:
    body = {"now": now().isoformat(), "test_clock": is_test_clock()}
    return current_app.response_class(current_app.json.dumps(body), mimetype="application/json")


@blueprint.get(PATH)
def read_clock() -> Response:
    return _answer()


@blueprint.put(PATH)
def put_clock() -> Response:
    try:
        body = ClockIn().load(request.get_json(silent=True) or {})
    except ValidationError as exc:
        raise ValidationFailed(flatten_errors(exc.messages)) from exc
    set_to(_required_engine(), body["now"], ticking=body["ticking"])
    return _answer()


@blueprint.delete(PATH)
def delete_clock() -> Response:
    reset(_required_engine())
    return current_app.response_class(status=204)


def _required_engine() -> Engine:
    assert _engine is not None, "the clock's routes exist only with the test clock on"
    return _engine
