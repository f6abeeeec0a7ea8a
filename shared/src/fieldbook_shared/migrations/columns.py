"""Column sets that many tables share, for the services' migration scripts.

A revision that has run somewhere must keep making the same schema, so what a function here returns
never changes; a different set is a new function. shared/tests/unit/test_kit_branch.py pins what
the scripts make.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..db import UTCDateTime


def record_keys(*, customer: bool = False) -> list[sa.Column]:
    """How most tables begin: the record's id, its tenant and, with `customer`, its customer's id."""
    keys = [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
    ]
    if customer:
        keys.append(sa.Column("customer_id", sa.String(length=36), nullable=False))
    return keys


def timestamps() -> list[sa.Column]:
    """created_at and updated_at, both always set."""
    return [
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    ]


def address() -> list[sa.Column]:
    """A UK postal address, every line optional."""
    return [
        sa.Column("address_line_1", sa.String(length=200), nullable=True),
        sa.Column("address_line_2", sa.String(length=200), nullable=True),
        sa.Column("address_line_3", sa.String(length=200), nullable=True),
        sa.Column("town", sa.String(length=100), nullable=True),
        sa.Column("county", sa.String(length=100), nullable=True),
        sa.Column("postcode", sa.String(length=16), nullable=True),
    ]


def serial_id() -> sa.Column:
    """A counter as the key: BIGINT on PostgreSQL, INTEGER on SQLite (so that it is the rowid)."""
    return sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
    )


def person_name(*, surname_required: bool = False) -> list[sa.Column]:
    """A person's title, first name and surname."""
    return [
        sa.Column("title", sa.String(length=30), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("surname", sa.String(length=100), nullable=not surname_required),
    ]


def job_progress(*, queued: bool = False) -> list[sa.Column]:
    """A background job's outcome and times (an import's, an export's): who asked, when it was
    asked for, (with `queued`) queued, started and finished, and its last heartbeat."""
    return [
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        *([sa.Column("queued_at", UTCDateTime(timezone=True), nullable=True)] if queued else []),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", UTCDateTime(timezone=True), nullable=True),
    ]


def file_chunks(owner_key: str, owner_table: str) -> list[sa.schema.SchemaItem]:
    """The whole of a table holding a file in numbered chunks (an import's upload, an export's
    archive), each chunk removed with its owner."""
    return [
        sa.Column(owner_key, sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint([owner_key], [f"{owner_table}.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(owner_key, "seq"),
    ]


def copy_columns(table: str, key: str) -> list[sa.schema.SchemaItem]:
    """A read model's copy of another service's record (`read_model.CopyColumns`): a counter as
    its key, the tenant, the record's id in its owner (`key`), the version held, the tombstone flag
    and when it last changed; one copy per record and tenant."""
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column(key, sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", key, name=f"uq_{table}_tenant_id"),
    ]
