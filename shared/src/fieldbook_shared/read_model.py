"""A read model: the copies a service keeps of another service's records (billing's, assets' and
comms' copies of customers, work addresses, branches, contacts), fed by that service's snapshot
events, in the service's own table. One rule for all of them:

- newer version wins: a snapshot carries the record's `version`; one no newer than the copy held is
  ignored, so events may arrive late, twice or out of order;
- tombstones: a record that is gone (deleted, erased, merged) keeps its copy, flagged; a late
  snapshot never brings it back;
- fetch once: a record not heard of yet may be read once from its owner over internal HTTP and
  kept; from then on its events keep it up to date.

A copy not held yet is inserted at version 0 in a savepoint: when another process inserted the same
record meanwhile (the web fetching a customer while the worker applies its event), theirs is used
and the rule above applies to it.

A consumer's batch of snapshots takes its copies together (`take_many`): the ones held are read by
one SELECT, the new ones added without a savepoint or a flush, so the batch's commit writes them in
one INSERT. Another process's insert of the same record then fails that commit, and the consumer
applies the batch again event by event (`take`, above).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Boolean, Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import utcnow

Row = TypeVar("Row")

# A snapshot's address (the catalogue's AddressData): its lines are `address_line_1`… on a copy,
# the other keys columns of the same name.
ADDRESS_KEYS = ("line_1", "line_2", "line_3", "town", "county", "postcode")


def copy_fields(row: Any, data: dict, *names: str) -> None:
    """Set each named column of a copy to the snapshot's value of that name (None when absent)."""
    for name in names:
        setattr(row, name, data.get(name))


def copy_address(row: Any, address: dict | None, *keys: str) -> None:
    """Set a copy's address columns from a snapshot's `address`: all of them, or the `keys` (of
    `ADDRESS_KEYS`) the copy keeps."""
    address = address or {}
    for key in keys or ADDRESS_KEYS:
        setattr(row, f"address_{key}" if key.startswith("line_") else key, address.get(key))


def customer_of(data: dict) -> dict:
    """What a new copy of a customer's record (a work address, branch or contact) needs at once:
    its customer (`required` of `take_many`, `keep`, `copy_handler`)."""
    return {"customer_id": data["customer_id"]}


class CopyColumns:
    """What every copy's table holds beside the record's own fields: a counter as its key, the
    tenant, the version held, the tombstone flag and when it last changed (the record's id in its
    owner is the model's own column, `key` below; migrations: `migrations.columns.copy_columns`)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReadModel(Generic[Row]):
    """One kind of copied record: the service's `model`, found by `tenant_id` and its `key` column
    (the record's id in its owner), with a `version` column and, when it has one, the tombstone
    flag column `removed` (None: copies of this kind are never tombstoned)."""

    def __init__(self, model: type[Row], key: str = "id", removed: str | None = "removed"):
        self.model = model
        self.key = key
        self.removed = removed

    def held(self, session: Session, tenant_id: str, record_id: str) -> Row | None:
        model: Any = self.model
        query = select(model).where(model.tenant_id == tenant_id, getattr(model, self.key) == record_id)
        return session.scalars(query).first()

    def is_removed(self, row: Row) -> bool:
        return bool(self.removed and getattr(row, self.removed))

    def take(self, session: Session, tenant_id: str, data: dict, **required: Any) -> tuple[Row, bool]:
        """The copy of the record the snapshot `data` (`id`, `version`) is of, held or new (with the
        `required` columns a new row needs), and whether the snapshot is newer than it: then the
        copy takes its version and the caller copies the fields it keeps."""
        row: Any = self._held_or_new(session, tenant_id, str(data["id"]), required)
        return row, self._newer(row, data)

    def take_many(
        self,
        session: Session,
        tenant_id: str,
        snapshots: Sequence[dict],
        required: Callable[[dict], dict] | None = None,
    ) -> list[tuple[Row, bool]]:
        """`take` for each of `snapshots` in order (a consumer's batch): the copies held read by one
        SELECT, the new ones (with the columns `required(data)` gives) added but not flushed and
        without a savepoint: a concurrent insert of the same record fails the caller's flush, which
        then takes them one by one. A record twice in the batch is one copy, so the newer wins."""
        model: Any = self.model
        key = getattr(model, self.key)
        ids = {str(data["id"]) for data in snapshots}
        rows: dict[str, Any] = {
            getattr(row, self.key): row
            for row in session.scalars(select(model).where(model.tenant_id == tenant_id, key.in_(ids)))
        }
        out: list[tuple[Row, bool]] = []
        for data in snapshots:
            record_id = str(data["id"])
            row = rows.get(record_id)
            if row is None:
                values = required(data) if required else {}
                row = rows[record_id] = self.model(
                    **{"tenant_id": tenant_id, self.key: record_id, "version": 0, **values}
                )
                session.add(row)
            out.append((row, self._newer(row, data)))
        return out

    def keep(
        self,
        session: Session,
        tenant_id: str,
        data: dict,
        copy: Callable[[Any, dict], object],
        required: Callable[[dict], dict] | None = None,
    ) -> Row:
        """The copy of the record the snapshot `data` is of, with `copy(row, data)` applied when the
        snapshot is newer: what a snapshot handler does with one event."""
        row, newer = self.take(session, tenant_id, data, **(required(data) if required else {}))
        if newer:
            copy(row, data)
        return row

    def keep_many(
        self,
        session: Session,
        tenant_id: str,
        snapshots: Sequence[dict],
        copy: Callable[[Any, dict], object],
        required: Callable[[dict], dict] | None = None,
    ) -> None:
        """`keep` for a consumer's batch of snapshots, in order, the copies taken together (`take_many`)."""
        for (row, newer), data in zip(
            self.take_many(session, tenant_id, snapshots, required), snapshots, strict=True
        ):
            if newer:
                copy(row, data)

    def _newer(self, row: Any, data: dict) -> bool:
        """Whether the snapshot is newer than the copy (not removed); then the copy takes its version."""
        version = int(data["version"])
        newer = not self.is_removed(row) and version > (row.version or 0)
        if newer:
            row.version = version
        return newer

    def tombstone(self, session: Session, tenant_id: str, record_id: str, **values: Any) -> Row:
        """The copy flagged gone (made if the record was never heard of), with `values` set (e.g.
        `merged_into`), so a late snapshot cannot bring it back."""
        assert self.removed, f"{self.model.__name__} copies have no tombstone"
        required = {k: v for k, v in values.items() if k != "merged_into"}
        row = self._held_or_new(session, tenant_id, record_id, required)
        setattr(row, self.removed, True)
        for name, value in values.items():
            setattr(row, name, value)
        return row

    def fetch_once(
        self,
        session: Session,
        tenant_id: str,
        record_id: str,
        fetch: Callable[[], dict | None] | None,
        remember: Callable[[dict], object],
    ) -> Row | None:
        """The copy held; when there is none, the record read from its owner by `fetch` (None: not
        there) and kept by `remember` (the service's snapshot handler, so the rule is the same).
        An answer about another record (a merge's survivor) is not kept for this id."""
        row = self.held(session, tenant_id, record_id)
        if row is not None or fetch is None:
            return row
        data = fetch()
        if data is None or str(data.get("id")) != str(record_id):
            return None
        remember(data)
        session.flush()
        return self.held(session, tenant_id, record_id)

    def _held_or_new(self, session: Session, tenant_id: str, record_id: str, required: dict) -> Row:
        held = self.held(session, tenant_id, record_id)
        return held if held is not None else self._insert(session, tenant_id, record_id, required)

    def _insert(self, session: Session, tenant_id: str, record_id: str, required: dict) -> Row:
        row = self.model(**{"tenant_id": tenant_id, self.key: record_id, "version": 0, **required})
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            existing = self.held(session, tenant_id, record_id)
            if existing is None:
                raise
            return existing
        return row
