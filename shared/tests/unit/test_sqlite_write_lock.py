"""SQLite as the embedded default: a transaction that writes takes the write lock when it begins
(BEGIN IMMEDIATE), so concurrent writers wait for each other (the busy timeout) instead of one
being refused at once with "database is locked" (a 503 for the client); reads-only work (GET)
neither waits for nor holds the lock."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from fieldbook_shared.db import create_engine, session_factory
from fieldbook_shared.problems import database_error_cause


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE copies (id INTEGER PRIMARY KEY, who INTEGER)")
    yield engine
    engine.dispose()


def read_then_write_in_a_savepoint(sessions, who: int, times: int, errors: list[str]) -> None:
    """What a web request remembering a fetched customer does: read, then insert in a savepoint."""
    for _ in range(times):
        try:
            with sessions() as session:
                session.execute(text("SELECT count(*) FROM copies")).all()
                with session.begin_nested():
                    session.execute(text("SELECT count(*) FROM copies")).all()
                    session.execute(text("INSERT INTO copies (who) VALUES (:who)"), {"who": who})
                session.commit()
        except OperationalError as exc:
            errors.append(database_error_cause(exc))


@pytest.mark.parametrize("writes", [True, False], ids=["writing sessions", "reads-only sessions"])
def test_concurrent_read_then_write_transactions_wait_for_each_other_instead_of_failing(engine, writes):
    # Before BEGIN IMMEDIATE most of these failed at once with "database is locked".
    sessions = session_factory(engine, writes=writes)
    errors: list[str] = []
    threads = [
        threading.Thread(target=read_then_write_in_a_savepoint, args=(sessions, who, 50, errors))
        for who in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sessions() as session:
        assert session.execute(text("SELECT count(*) FROM copies")).scalar() == 200


def test_a_reads_only_session_reads_while_another_transaction_holds_the_write_lock(engine):
    writer = session_factory(engine)()
    writer.execute(text("INSERT INTO copies (who) VALUES (1)"))  # holds the lock, not committed
    try:
        started = time.monotonic()
        with session_factory(engine, writes=False)() as reader:
            assert reader.execute(text("SELECT count(*) FROM copies")).scalar() == 0
        assert time.monotonic() - started < 1
    finally:
        writer.rollback()
        writer.close()


def test_a_writing_session_takes_the_lock_before_its_first_read(engine):
    holder = session_factory(engine)()
    holder.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the lock is held from here
    other = sqlite3.connect(engine.url.database, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        holder.rollback()
        holder.close()


def test_a_reads_only_session_that_writes_commits_or_rolls_back_its_write(engine):
    sessions = session_factory(engine, writes=False)
    with sessions() as session:
        session.execute(text("INSERT INTO copies (who) VALUES (1)"))
        session.commit()
    with sessions() as session:
        session.execute(text("INSERT INTO copies (who) VALUES (2)"))
        session.rollback()
        assert session.execute(text("SELECT who FROM copies")).scalars().all() == [1]
