"""The kit's read model rule: newer version wins, tombstones stay, a record is fetched once."""

from __future__ import annotations

import pytest
from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from fieldbook_shared.db import create_engine
from fieldbook_shared.read_model import ReadModel


class Base(DeclarativeBase):
    pass


class CustomerCopy(Base):
    __tablename__ = "customer_copies"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into: Mapped[str | None] = mapped_column(String(36))


COPIES = ReadModel(CustomerCopy, key="customer_id")


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'copies.db'}")
    Base.metadata.create_all(engine)
    return engine


@pytest.fixture
def session(engine):
    with Session(engine) as s:
        yield s


def copy_name(row: CustomerCopy, data: dict) -> None:
    row.name = data["name"]


def unnamed(_data: dict) -> dict:
    return {"name": ""}


def keep(session, data: dict, tenant="t1") -> CustomerCopy:
    return COPIES.keep(session, tenant, data, copy_name, unnamed)


def test_a_newer_version_wins_and_an_older_or_equal_one_is_ignored(session):
    keep(session, {"id": "c1", "version": 2, "name": "Ellis"})
    keep(session, {"id": "c1", "version": 1, "name": "stale"})
    keep(session, {"id": "c1", "version": 2, "name": "again"})
    row = COPIES.held(session, "t1", "c1")
    assert (row.version, row.name) == (2, "Ellis")
    keep(session, {"id": "c1", "version": 3, "name": "Ellis & Co"})
    assert (row.version, row.name) == (3, "Ellis & Co")


def test_copies_are_per_tenant(session):
    keep(session, {"id": "c1", "version": 1, "name": "A"}, tenant="t1")
    keep(session, {"id": "c1", "version": 1, "name": "B"}, tenant="t2")
    assert COPIES.held(session, "t1", "c1").name == "A" and COPIES.held(session, "t2", "c1").name == "B"


def test_a_tombstone_is_never_revived_even_if_never_heard_of(session):
    COPIES.tombstone(session, "t1", "c9", name="", merged_into="c1")
    row = keep(session, {"id": "c9", "version": 7, "name": "late"})
    assert row.removed and row.merged_into == "c1" and row.name == "" and row.version == 0


def test_fetch_once_keeps_what_the_owner_says_and_only_for_that_id(session):
    calls = []

    def fetch():
        calls.append(1)
        return {"id": "c1", "version": 4, "name": "Fetched"}

    remember = lambda data: keep(session, data)  # noqa: E731
    row = COPIES.fetch_once(session, "t1", "c1", fetch, remember)
    assert row.name == "Fetched" and row.version == 4
    assert COPIES.fetch_once(session, "t1", "c1", fetch, remember) is row
    assert len(calls) == 1
    survivor = {"id": "c2", "version": 1, "name": "Survivor"}
    assert COPIES.fetch_once(session, "t1", "c-old", lambda: survivor, remember) is None
    assert COPIES.fetch_once(session, "t1", "c3", lambda: None, remember) is None
    assert COPIES.fetch_once(session, "t1", "c3", None, remember) is None


def test_a_copy_inserted_meanwhile_by_another_process_is_used(engine, session, monkeypatch):
    real_held = ReadModel.held
    looked = []

    def held(self, s, tenant_id, record_id):
        looked.append(record_id)
        if len(looked) == 1:  # the first look misses: the other process inserts just after it
            with Session(engine) as other, other.begin():
                other.add(CustomerCopy(tenant_id="t1", customer_id="c1", version=5, name="Theirs"))
            return None
        return real_held(self, s, tenant_id, record_id)

    monkeypatch.setattr(ReadModel, "held", held)
    row = keep(session, {"id": "c1", "version": 3, "name": "Mine, older"})
    assert (row.version, row.name) == (5, "Theirs")
    keep(session, {"id": "c1", "version": 6, "name": "Mine, newer"})
    session.commit()
    assert (row.version, row.name) == (6, "Mine, newer")


def keep_many(session, snapshots: list[dict], tenant="t1") -> None:
    COPIES.keep_many(session, tenant, snapshots, copy_name, unnamed)


def test_a_batch_of_snapshots_keeps_the_same_rule_as_one_by_one(session):
    keep(session, {"id": "held", "version": 5, "name": "held"})
    keep(session, {"id": "gone", "version": 1, "name": "gone"})
    COPIES.tombstone(session, "t1", "gone")
    session.flush()

    keep_many(
        session,
        [
            {"id": "new", "version": 2, "name": "second"},
            {"id": "held", "version": 4, "name": "stale"},  # older than the one held
            {"id": "new", "version": 1, "name": "late"},  # the same record twice: the newer stays
            {"id": "gone", "version": 9, "name": "revived?"},  # a tombstone stays
            {"id": "held", "version": 6, "name": "newer"},
            {"id": "other tenant's", "version": 1, "name": "x"},
        ],
    )
    session.flush()

    names = {row.customer_id: (row.version, row.name, row.removed) for row in session.query(CustomerCopy)}
    assert names == {
        "held": (6, "newer", False),
        "gone": (1, "gone", True),
        "new": (2, "second", False),
        "other tenant's": (1, "x", False),
    }


def test_a_batch_of_snapshots_reads_the_copies_held_in_one_select(session, engine):
    from sqlalchemy import event

    keep(session, {"id": "c1", "version": 1, "name": "one"})
    session.flush()
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    keep_many(session, [{"id": f"c{i}", "version": 2, "name": f"n{i}"} for i in range(1, 30)])

    assert len(statements) == 1 and statements[0].lstrip().startswith("SELECT")
