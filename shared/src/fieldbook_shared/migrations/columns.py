"""Column sets that many tables share, for the services' migration scripts.

A revision that has run somewhere must keep making the same schema, so what a function here returns
never changes; a different set is a new function. shared/tests/unit/test_kit_branch.py pins what
the scripts make.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..db import UTCDateTime

# One column each. Every column is NOT NULL unless `nullable=True`, as most are; the name comes first.


def record_id(name: str, *, nullable: bool = False) -> sa.Column:
    """A record's id (a UUID as text), its own or another's: `id`, `customer_id`, `invoice_id`."""
    return sa.Column(name, sa.String(length=36), nullable=nullable)


def foreign_id(name: str, table: str, *, nullable: bool = False) -> sa.Column:
    """A record's id with a foreign key to the `id` of `table` (the gateway's tenants and users)."""
    return sa.Column(name, sa.String(36), sa.ForeignKey(f"{table}.id"), nullable=nullable)


def tenant_id() -> sa.Column:
    """The tenant the row belongs to."""
    return sa.Column("tenant_id", sa.String(length=64), nullable=False)


def version() -> sa.Column:
    """The record's version, raised by every change (ETags, If-Match, newer-copy-wins)."""
    return sa.Column("version", sa.Integer(), nullable=False)


def string(name: str, length: int, *, nullable: bool = False) -> sa.Column:
    """Text of at most `length` characters."""
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def flag(name: str) -> sa.Column:
    """A yes/no that is always set."""
    return sa.Column(name, sa.Boolean(), nullable=False)


def money(name: str, *, nullable: bool = False) -> sa.Column:
    """An amount of money: a Decimal of 12 digits, 2 after the point."""
    return sa.Column(name, sa.Numeric(precision=12, scale=2), nullable=nullable)


def utc_datetime(name: str, *, nullable: bool = False) -> sa.Column:
    """A moment, timezone-aware and in UTC on every backend (`db.UTCDateTime`)."""
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def created_at() -> sa.Column:
    """When the row was made, always set (with updated_at too: `timestamps()`)."""
    return utc_datetime("created_at")


# Sets of columns.


def record_keys(*, customer: bool = False) -> list[sa.Column]:
    """How most tables begin: the record's id, its tenant and, with `customer`, its customer's id."""
    return [record_id("id"), tenant_id(), *([record_id("customer_id")] if customer else [])]


def timestamps() -> list[sa.Column]:
    """created_at and updated_at, both always set."""
    return [created_at(), utc_datetime("updated_at")]


def address() -> list[sa.Column]:
    """A UK postal address, every line optional."""
    return [
        string("address_line_1", 200, nullable=True),
        string("address_line_2", 200, nullable=True),
        string("address_line_3", 200, nullable=True),
        string("town", 100, nullable=True),
        string("county", 100, nullable=True),
        string("postcode", 16, nullable=True),
    ]


def serial_id() -> sa.Column:
    """A counter as the key: BIGINT on PostgreSQL, INTEGER on SQLite (so that it is the rowid)."""
    return sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
    )


def person_name(*, surname_required: bool = False) -> list[sa.Column]:
    """A person's title, first name and surname."""
    return [
        string("title", 30, nullable=True),
        string("first_name", 100, nullable=True),
        string("surname", 100, nullable=not surname_required),
    ]


def job_progress(*, queued: bool = False) -> list[sa.Column]:
    """A background job's outcome and times (an import's, an export's): who asked, when it was
    asked for, (with `queued`) queued, started and finished, and its last heartbeat."""
    return [
        sa.Column("error", sa.Text(), nullable=True),
        string("created_by", 200),
        created_at(),
        *([utc_datetime("queued_at", nullable=True)] if queued else []),
        utc_datetime("started_at", nullable=True),
        utc_datetime("finished_at", nullable=True),
        utc_datetime("heartbeat_at", nullable=True),
    ]


def file_chunks(owner_key: str, owner_table: str) -> list[sa.schema.SchemaItem]:
    """The whole of a table holding a file in numbered chunks (an import's upload, an export's
    archive), each chunk removed with its owner."""
    return [
        record_id(owner_key),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        tenant_id(),
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
        tenant_id(),
        record_id(key),
        version(),
        flag("removed"),
        utc_datetime("updated_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", key, name=f"uq_{table}_tenant_id"),
    ]
