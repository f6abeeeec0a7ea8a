"""The kit's job loop: claiming a queued (or abandoned) job once, and a poll loop that never dies."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import DateTime, String
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from fieldbook_shared.db import create_engine, session_factory, utcnow
from fieldbook_shared.jobs import ServiceLoop, claim_queued, poll_loop


class Base(DeclarativeBase):
    pass


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    status: Mapped[str] = mapped_column(String)
    queued_at: Mapped[str] = mapped_column(String)
    heartbeat_at = mapped_column(DateTime(timezone=True), nullable=True)
    started_at = mapped_column(DateTime(timezone=True), nullable=True)


def _sessions(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    Base.metadata.create_all(engine)
    return session_factory(engine)


def test_the_oldest_queued_job_is_claimed_once_and_a_stale_one_again(tmp_path):
    sessions = _sessions(tmp_path)
    long_ago = utcnow() - timedelta(minutes=10)
    with sessions() as s, s.begin():
        s.add_all(
            [
                Job(id="b", status="queued", queued_at="2"),
                Job(id="a", status="queued", queued_at="1"),
                Job(id="live", status="running", queued_at="0", heartbeat_at=utcnow(), started_at=long_ago),
            ]
        )
    stale = timedelta(seconds=120)
    order = (Job.queued_at, Job.id)

    assert [claim_queued(sessions, Job, stale, order) for _ in range(3)] == ["a", "b", None]
    with sessions() as s:
        a = s.get(Job, "a")
        assert a.status == "running" and a.heartbeat_at is not None and a.started_at is not None
        first_start = a.started_at
        a.heartbeat_at = long_ago  # its worker died
        s.commit()

    assert claim_queued(sessions, Job, stale, order) == "a"
    with sessions() as s:
        assert s.get(Job, "a").started_at == first_start  # started once, however often claimed


def test_the_poll_loop_runs_while_there_is_work_waits_when_none_and_survives_errors(caplog):
    stop = threading.Event()
    results = iter([True, True, OperationalError("select", {}, Exception("gone")), ValueError("bug"), None])
    calls = []

    def step(given_stop):
        assert given_stop is stop
        calls.append(len(calls))
        result = next(results)
        if isinstance(result, Exception):
            raise result
        if result is None:
            stop.set()
        return result

    with caplog.at_level(logging.INFO, logger="test.jobs"):
        poll_loop("test loop", step, 0.01, logging.getLogger("test.jobs"))(stop)

    assert calls == [0, 1, 2, 3, 4]
    messages = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert messages[0] == ("INFO", "test loop started") and messages[-1] == ("INFO", "test loop stopped")
    assert any(level == "WARNING" and "cannot reach the database" in m for level, m in messages)
    assert any(level == "ERROR" and m == "test loop: step failed" for level, m in messages)


class Settings:
    loop_poll_seconds = 0.01


class Pinger(ServiceLoop):
    name, actor, poll_setting, log = (
        "pinger",
        "system:pings",
        "loop_poll_seconds",
        logging.getLogger("test.pings"),
    )

    def __init__(self, *args):
        super().__init__(*args)
        self.seen: list = []

    def step(self, stop):
        self.seen.append(self.uow("tenant-1"))
        if len(self.seen) == 3:
            stop.set()
        return False


def test_a_service_loop_steps_on_its_poll_and_opens_units_of_work_as_its_actor():
    loop = Pinger(Settings(), "the sessions", lambda context: context)
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,))
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive() and len(loop.seen) == 3
    assert {(c.tenant_id, c.actor, c.role) for c in loop.seen} == {("tenant-1", "system:pings", "admin")}
    assert loop.sessions == "the sessions" and isinstance(loop.settings, Settings)
