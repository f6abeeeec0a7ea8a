"""The timeline's order, cursors and merge (`fieldbook_shared.timeline`): paging through any number
of sources with any page size lists every entry once, in order; the keyset query of one table
answers the same as filtering the whole table in Python."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from fieldbook_shared.db import UTCDateTime
from fieldbook_shared.timeline import (
    Source,
    decode_cursor,
    encode_cursor,
    entry_key,
    iso,
    merge_page,
    read_entries,
)

BASE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KINDS = ("email", "invoice", "note", "quote")


def _entry(kind: str, seconds: int, micro: int, ident: str) -> dict:
    at = BASE + timedelta(seconds=seconds, microseconds=micro)
    return {"kind": kind, "id": ident, "occurred_at": iso(at)}


# few distinct times, so ties on occurred_at (and on kind) are common
entries = st.builds(
    _entry,
    st.sampled_from(KINDS),
    st.integers(0, 3),
    st.sampled_from([0, 1, 999999]),
    st.uuids().map(str),
)


def _answer(source: list[dict], before, limit: int) -> list[dict]:
    """What one service answers: its entries after the cursor, in order, at most `limit`."""
    ordered = sorted(source, key=entry_key, reverse=True)
    return [e for e in ordered if before is None or entry_key(e) < before][:limit]


def _page_through(sources: list[list[dict]], limit: int) -> list[dict]:
    seen, cursor = [], None
    for _ in range(1000):
        before = decode_cursor(cursor) if cursor else None
        page, more = merge_page([_answer(s, before, limit + 1) for s in sources], limit)
        assert len(page) <= limit
        seen.extend(page)
        if not more:
            return seen
        cursor = encode_cursor(entry_key(page[-1]))
    raise AssertionError("paging did not end")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(entries, max_size=12), min_size=1, max_size=4), st.integers(1, 7))
def test_paging_with_any_page_size_lists_every_entry_once_in_order(sources, limit):
    unique = {}
    for source in sources:
        for entry in source:
            unique.setdefault(entry["id"], entry)
    sources = [[e for e in s if unique[e["id"]] is e] for s in sources]  # ids are unique, as uuids are
    everything = sorted((e for s in sources for e in s), key=entry_key, reverse=True)

    seen = _page_through(sources, limit)

    assert [e["id"] for e in seen] == [e["id"] for e in everything]  # no gap, no repeat, in order
    keys = [entry_key(e) for e in seen]
    assert keys == sorted(keys, reverse=True)


def test_a_cursor_names_the_key_it_was_made_from():
    key = (datetime(2026, 12, 6, 16, 5, 0, 123456, tzinfo=UTC), "invoice", str(uuid.uuid4()))
    cursor = encode_cursor(key)
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert decode_cursor(cursor) == key


@pytest.mark.parametrize(
    "cursor",
    ["", "not base64!", "bm90IGpzb24", encode_cursor.__name__, "eyJhdCI6IjIwMjYtMTItMDEifQ", "W10"],
)
def test_a_cursor_the_timeline_did_not_make_is_refused(cursor):
    with pytest.raises(ValueError):
        decode_cursor(cursor)


# ------------------------------------------------------------------------------ the keyset query


class _Base(DeclarativeBase):
    pass


class _CustomersRecord:
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(36))
    work_address_id: Mapped[str | None] = mapped_column(String(36))


class _Invoice(_CustomersRecord, _Base):
    __tablename__ = "invoices"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class _Log(_CustomersRecord, _Base):
    __tablename__ = "log"
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


SOURCES = [
    Source(("invoice",), _Invoice, lambda r: {"title": "Invoice", "links": {"self": f"/v1/invoices/{r.id}"}}),
    Source(
        ("email", "note"),
        _Log,
        lambda r: {"title": r.kind, "links": {"self": "/v1/log"}},
        occurred_at="occurred_at",
        kind_column="kind",
    ),
]
SITE = str(uuid.uuid4())


@pytest.fixture(scope="module")
def session():
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        for n in range(12):
            at = BASE + timedelta(seconds=n // 4)  # four records share each second
            site = SITE if n % 3 == 0 else None
            session.add(
                _Invoice(id=f"i{n:02}", tenant_id="t", customer_id="c", work_address_id=site, created_at=at)
            )
            kind = "email" if n % 2 else "note"
            session.add(
                _Log(
                    id=f"l{n:02}",
                    tenant_id="t",
                    customer_id="c",
                    work_address_id=site,
                    kind=kind,
                    occurred_at=at,
                )
            )
        session.add(_Invoice(id="other", tenant_id="t", customer_id="d", created_at=BASE))
        session.add(_Invoice(id="theirs", tenant_id="u", customer_id="c", created_at=BASE))
        session.commit()
        yield session


def _all(session, **args) -> list[dict]:
    return read_entries(session, "t", "c", SOURCES, {"limit": 1000, **args})


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 25])
def test_the_keyset_pages_of_the_tables_are_the_whole_ordered_timeline(session, limit):
    everything = _all(session)
    assert len(everything) == 24  # not another customer's, not another tenant's
    assert [entry_key(e) for e in everything] == sorted((entry_key(e) for e in everything), reverse=True)
    seen, before = [], None
    while True:
        page = read_entries(session, "t", "c", SOURCES, {"limit": limit + 1, "before": before})
        seen.extend(page[:limit])
        if len(page) <= limit:
            break
        before = entry_key(page[limit - 1])
    assert [e["id"] for e in seen] == [e["id"] for e in everything]


def test_kind_and_work_address_filters(session):
    notes = _all(session, kind=["note"])
    assert {e["kind"] for e in notes} == {"note"} and len(notes) == 6
    assert {e["kind"] for e in _all(session, kind=["invoice", "email"])} == {"invoice", "email"}
    at_site = _all(session, work_address_id=SITE)
    assert len(at_site) == 8 and {e["work_address_id"] for e in at_site} == {SITE}
    entry = _all(session, kind=["invoice"])[0]
    assert entry == {
        "kind": "invoice",
        "id": "i11",
        "occurred_at": "2026-12-01T09:00:02.000000Z",
        "work_address_id": None,
        "status": None,
        "amount": None,
        "title": "Invoice",
        "links": {"self": "/v1/invoices/i11"},
    }
