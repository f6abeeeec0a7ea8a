"""The job loop every worker's background work is built on: claim, lease, heartbeat, poll.

A job is a row (an import, an export, an email to send, a customer to sync) that one worker at a
time works on, outside the request that queued it:

- claim: take due rows in a short transaction. `skip_locked` makes the select `FOR UPDATE SKIP
  LOCKED` on PostgreSQL, so several workers (threads or processes) claim disjoint rows; SQLite has
  one writer at a time and needs nothing.
- lease: a claimed row carries a time until which it is the claimer's (`lease_until`, or a
  heartbeat the worker keeps moving: `claim_queued`); once that has passed without a word the
  worker is taken for dead and another may claim the row. Where a row's outcome is recorded in a
  later transaction, a claim token on the row says whether the claim is still ours.
- poll: `poll_loop` runs a step again at once while it finds work, waits between steps when
  it does not, and survives any error in a step (the database went away): the worker's loops
  never die of one, the worker supervises them for anything worse (`messaging.worker`).

A service's own loop over its records (a reminder chain, a webhook sender) is a `ServiceLoop`.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Select, and_, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .context import RequestContext
from .db import is_postgres, utcnow

S = TypeVar("S", bound=Select)


def skip_locked(session: Session, stmt: S) -> S:
    """The claim's select: rows another worker is claiming right now are skipped (PostgreSQL)."""
    return stmt.with_for_update(skip_locked=True) if is_postgres(session) else stmt


def lease_until(seconds: float, now: datetime | None = None) -> datetime:
    """When a lease taken now for `seconds` runs out."""
    return (now or utcnow()) + timedelta(seconds=seconds)


def new_token() -> str:
    """A claim token: the claim whose token is on the row is the one that may record an outcome."""
    return str(uuid.uuid4())


def claim_queued(
    sessions: sessionmaker[Session], model: Any, stale_after: timedelta, order_by: tuple
) -> str | None:
    """Take the first `queued` row of `model` (or a `running` one whose heartbeat is older than
    `stale_after`: its worker died) and mark it `running` with a fresh heartbeat; its id, or None.

    The model has `id`, `status`, `heartbeat_at` and `started_at` (set on the first claim only).
    The UPDATE is conditional on the status and heartbeat read, so of two workers that read the
    same row only one takes it. The worker moves `heartbeat_at` with each piece of progress it
    records, so a live worker's job is never taken as stale.
    """
    now = utcnow()
    with sessions() as session, session.begin():
        stmt = (
            select(model.id, model.status, model.heartbeat_at)
            .where(
                or_(
                    model.status == "queued",
                    and_(model.status == "running", model.heartbeat_at < now - stale_after),
                )
            )
            .order_by(*order_by)
            .limit(1)
        )
        found = session.execute(skip_locked(session, stmt)).first()
        if found is None:
            return None
        job_id, status, heartbeat = found
        taken = session.execute(
            update(model)
            .where(
                model.id == job_id,
                model.status == status,
                model.heartbeat_at.is_(None) if heartbeat is None else model.heartbeat_at == heartbeat,
            )
            .values(status="running", heartbeat_at=now, started_at=func.coalesce(model.started_at, now))
            .execution_options(synchronize_session=False)
        )
        return job_id if cast(CursorResult, taken).rowcount == 1 else None


def poll_loop(
    name: str,
    step: Callable[[threading.Event], object],
    poll_seconds: float,
    log: logging.Logger,
    *,
    error_wait: float = 0.0,
) -> Callable[[threading.Event], None]:
    """A worker's loop (`run(stop)`): `step(stop)` again at once while it returns something true (it
    found work), `poll_seconds` between steps while it finds none. A step that raises is logged
    (a database that does not answer as a warning, anything else with its traceback), then the
    loop waits `error_wait` more before the usual pause, and goes on."""

    def run(stop: threading.Event) -> None:
        log.info("%s started", name)
        while not stop.is_set():
            try:
                busy = step(stop)
            except SQLAlchemyError as exc:
                log.warning("%s cannot reach the database: %s", name, exc)
                busy = None
                stop.wait(error_wait)
            except Exception:
                log.exception("%s: step failed", name)
                busy = None
                stop.wait(error_wait)
            if not busy:
                stop.wait(poll_seconds)
        log.info("%s stopped", name)

    return run


def each_across_tenants(
    sessions: Callable[[], Any],
    scan: Callable[[Any, tuple[str, str] | None, int], list],
    act: Callable[[str, str], object],
    stop: threading.Event,
    page: int = 200,
) -> int:
    """A worker's pass over rows of every tenant: `scan(session, after, page)` gives the next page of
    (tenant_id, id) pairs after the key `after` (`db.scan_across_tenants`), each read in a short
    session of its own; `act(tenant_id, id)` handles one (in its own unit of work). How many `act`
    said it did something."""
    after: tuple[str, str] | None = None
    done = 0
    while not stop.is_set():
        with sessions() as session:
            rows = scan(session, after, page)
        for tenant_id, record_id in rows:
            if act(tenant_id, record_id):
                done += 1
        if len(rows) < page:
            break
        after = (rows[-1][0], rows[-1][1])
    return done


class ServiceLoop:
    """A service's own loop in its worker, beside the relay and the consumer: `run(stop)` is
    `poll_loop` around the subclass's `step(stop)`, pausing the setting named `poll_setting`
    between steps that found nothing. A step opens a unit of work per record, as the system
    (`actor`) under the record's tenant (`uow`).

    Built as the worker builds it, `Loop(settings, sessions, uow_factory)`; the subclass names
    itself: `name, actor, poll_setting, log = "reminder chain", "system:servicing", ..., log`."""

    name: str  # the loop's name in log lines
    actor: str  # whom its units of work act as
    poll_setting: str  # the settings' field with the seconds between idle steps
    log: logging.Logger

    def __init__(
        self, settings: Any, sessions: sessionmaker[Session], uow_factory: Callable[[RequestContext], Any]
    ):
        self.settings = settings
        self.sessions = sessions
        self.uow_factory = uow_factory
        poll_seconds = getattr(settings, self.poll_setting)
        self.run = poll_loop(self.name, self.step, poll_seconds, self.log, error_wait=1.0)

    def uow(self, tenant_id: str) -> Any:
        """A unit of work of the loop's, as the system under `tenant_id`."""
        return self.uow_factory(RequestContext.system(tenant_id, actor=self.actor))

    def step(self, stop: threading.Event) -> object:
        """One pass: something true when it found work (the loop goes on at once)."""
        raise NotImplementedError
