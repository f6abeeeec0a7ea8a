"""SQLAlchemy 2 plumbing: one declarative Base, engines, and the unit of work.

Every service's models subclass `Base`, so the kit's own tables (outbox, processed_events,
idempotency_keys) live in the same metadata as the service's; their migrations are the kit's Alembic
branch, which every service's history includes (`fieldbook_shared.migrations`).
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Index,
    Integer,
    Numeric,
    Select,
    String,
    Text,
    UniqueConstraint,
    any_,
    bindparam,
    event,
    func,
    select,
    text,
)
from sqlalchemy import create_engine as _create_engine
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def new_ids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs as `new_id` gives them, from one read of the system's
    random source: for bulk writers, where a uuid4 call per row was a tenth of an import's time."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])  # the version: 4
    raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])  # the variant: RFC 4122
    h = raw.hex()
    return [
        f"{h[i : i + 8]}-{h[i + 8 : i + 12]}-{h[i + 12 : i + 16]}-{h[i + 16 : i + 20]}-{h[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend. SQLite forgets the zone, so every value is
    turned into UTC before it is written: 10:00+05:00 is stored, and read back, as 05:00+00:00."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


# BIGINT on PostgreSQL, INTEGER on SQLite so it stays the rowid (autoincrement).
BigIntId = BigInteger().with_variant(Integer(), "sqlite")

# Money is NUMERIC(12, 2) in every service: pounds and pence, never a float.
Money = Numeric(12, 2)


class AddressColumns:
    """A postal address as the customers service keeps it (and the copies other services hold)."""

    address_line_1: Mapped[str | None] = mapped_column(String(200))
    address_line_2: Mapped[str | None] = mapped_column(String(200))
    address_line_3: Mapped[str | None] = mapped_column(String(200))
    town: Mapped[str | None] = mapped_column(String(100))
    county: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(16))


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict: JSON, list: JSON}


class OutboxMessage(Base):
    """An event waiting to be published; written in the same transaction as the change."""

    __tablename__ = "outbox"
    # the relay's claim (unsent rows in id order) reads this small index, never the sent history
    __table_args__ = (
        Index(
            "ix_outbox_unsent",
            "id",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(100))
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # the CloudEvent, serialised once
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class ProcessedEvent(Base):
    """The consumer's inbox: an event id here has been applied and is never applied again."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(100))
    processed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # the retention purge


class IdempotencyRecord(Base):
    """A POST's response kept under its Idempotency-Key, per tenant, for replay."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_idempotency_tenant_key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column()
    response_body: Mapped[str | None] = mapped_column(Text)
    response_headers: Mapped[dict | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class TestClockRow(Base):
    """The time the test clock says, when a service runs with FIELDBOOK_TEST_CLOCK=1 (the e2e suite):
    one row, read by every web and worker process of the service (`fieldbook_shared.clock`). No
    row, or the setting off (production), is the real time."""

    __tablename__ = "test_clock"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # always 1
    now_at: Mapped[datetime] = mapped_column()  # the time the clock was set to
    set_at: Mapped[datetime] = mapped_column()  # the real time it was set (a ticking clock runs on from it)
    ticking: Mapped[bool] = mapped_column(default=False)


KIT_TABLES = ("outbox", "processed_events", "idempotency_keys")


# Execution option of an engine whose transactions mostly read (see `reads_only`).
READS_ONLY = "fieldbook_reads_only"
# Statements that need SQLite's write lock (SAVEPOINT would begin a deferred transaction).
_SQLITE_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|CREATE|DROP|ALTER)\b", re.IGNORECASE)


def create_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with sane defaults: pre-ping on servers; WAL, FKs and a busy timeout on SQLite.

    On SQLite a transaction takes the write lock when it begins (BEGIN IMMEDIATE), waiting for it
    up to the busy timeout. pysqlite's own BEGIN is deferred, and a deferred transaction that has
    read asks for the lock only at its first write: if another connection wrote meanwhile, SQLite
    refuses that upgrade at once (SQLITE_BUSY, "database is locked") without using the busy
    timeout, so a client got a 503 for its own sequence of requests. The driver's BEGIN is switched
    off and the engine's "begin" event emits ours: SQLAlchemy's documented pysqlite recipe.
    """
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = _create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # pysqlite begins nothing (and commits before no DDL)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            if not conn.get_execution_options().get(READS_ONLY):
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        @event.listens_for(engine, "before_cursor_execute")
        def _sqlite_first_write(conn, cursor, statement, _parameters, _context, _executemany):
            # a reads-only transaction has begun nothing: each read runs on its own, and its first
            # write takes the lock (waiting for it) before anything else runs in the transaction
            if (
                conn.get_execution_options().get(READS_ONLY)
                and not cursor.connection.in_transaction
                and _SQLITE_WRITES.match(statement)
            ):
                cursor.execute("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # per process: size them so every process of a deployment fits the server's max_connections
    kwargs.setdefault("pool_size", int(os.environ.get("DB_POOL_SIZE", "5")))
    kwargs.setdefault("max_overflow", int(os.environ.get("DB_MAX_OVERFLOW", "10")))
    kwargs.setdefault("pool_timeout", float(os.environ.get("DB_POOL_TIMEOUT_SECONDS", "10")))
    return _create_engine(url, **kwargs)


def reads_only(engine: Engine) -> Engine:
    """The same engine (same pool) for work that mostly reads, e.g. a GET. On SQLite its
    transactions neither wait for nor hold the write lock while they read: each read runs on its
    own (no snapshot across statements), and the first write, if any, takes the lock then."""
    return engine.execution_options(**{READS_ONLY: True})


def session_factory(engine: Engine, *, writes: bool = True) -> sessionmaker[Session]:
    """Sessions on `engine`; with `writes=False` on `reads_only(engine)`."""
    bind = engine if writes else reads_only(engine)
    return sessionmaker(bind=bind, expire_on_commit=False, future=True)


def is_postgres(session_or_engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"


def array_of(values: list, item_type: Any) -> Any:
    """`values` as ONE PostgreSQL array parameter: psycopg caches no statement with hundreds of
    placeholders, so a batch's IN or VALUES list was parsed anew on every call."""
    return bindparam(None, values, type_=ARRAY(item_type))


def one_of(session: Session, column: Any, values: list) -> Any:
    """`column IN values`: `= ANY(array)` on PostgreSQL (`array_of`), an IN list elsewhere."""
    return column == any_(array_of(values, column.type)) if is_postgres(session) else column.in_(values)


# PostgreSQL SQLSTATEs that say "try again", not "this statement is wrong": class 08 (connection
# exception), 57P01-57P03 (server shutting down / starting up), 53300 too many connections,
# 40001 serialization failure, 40P01 deadlock, 55P03 a lock not had within `lock_timeout`
# (`wait_for_locks_at_most`). 57014 query_canceled (a statement timeout) is not here:
# a handler that always times out must use up its deliveries and reach the dead letters.
_TRANSIENT_SQLSTATES = {"57P01", "57P02", "57P03", "53300", "40001", "40P01", "55P03"}
# Errors raised before any statement ran carry no SQLSTATE; psycopg and sqlite3 say it in words.
_TRANSIENT_MESSAGES = (
    "could not connect",
    "connection failed",
    "connection refused",
    "connection timed out",
    "timeout expired",
    "server closed the connection",
    "connection is closed",
    "connection is lost",
    "consuming input failed",
    "terminating connection",
    "ssl connection has been closed",
    "database is locked",  # SQLite: another writer held the lock past the busy timeout
)


def wait_for_locks_at_most(session: Session, milliseconds: int) -> None:
    """From here to the end of this transaction, a row lock not had within `milliseconds` fails the
    statement with 55P03 (transient: retried) instead of waiting on. A worker's batch sets it to be
    the side that steps back: PostgreSQL looks for deadlocks only after `deadlock_timeout` (1 s),
    so with a shorter wait the worker gives way before a request is chosen as the victim."""
    if is_postgres(session):
        session.execute(text(f"SET LOCAL lock_timeout = {int(milliseconds)}"))


def is_transient_database_error(exc: BaseException) -> bool:
    """Whether `exc` is the database being unreachable or briefly busy (worth retrying as is),
    rather than something about the statement or the data (retrying cannot help)."""
    if isinstance(exc, PoolTimeout):  # every pooled connection busy
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate:
        return sqlstate.startswith("08") or sqlstate in _TRANSIENT_SQLSTATES
    message = str(exc.orig or exc).lower()
    return any(words in message for words in _TRANSIENT_MESSAGES)


def page_of(session: Session, stmt: Select, page: int, page_size: int) -> tuple[list, int]:
    """One page (from 1) of an ordered query's rows, and how many rows the query has in all."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    return list(session.scalars(stmt.offset((page - 1) * page_size).limit(page_size))), total


def scan_across_tenants(
    session: Session, model: Any, *where: Any, after: tuple[str, str] | None, limit: int
) -> list:
    """A worker's scan over every tenant's rows of `model` matching `where`: (tenant_id, id) pairs in
    that order, the next `limit` after the key `after` (the last pair of the previous page; None
    to start). Keyset paging, so rows changed behind the scan neither repeat nor skip a page."""
    stmt = select(model.tenant_id, model.id).where(*where)
    if after is not None:
        stmt = stmt.where(
            (model.tenant_id > after[0]) | ((model.tenant_id == after[0]) & (model.id > after[1]))
        )
    return list(session.execute(stmt.order_by(model.tenant_id, model.id).limit(limit)))
