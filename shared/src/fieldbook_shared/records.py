"""The columns most records share, as mixins of a service's models.

The migrations' counterparts are `migrations/columns.py` (`record_keys()`, `timestamps()`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .db import new_id, utcnow


class RecordKeys:
    """How most tables begin: the record's id (a new UUID) and its tenant (the migrations'
    `columns.record_keys()`)."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(64))


class CustomerRecordKeys(RecordKeys):
    """A record of one customer: its id, its tenant and its customer's id."""

    customer_id: Mapped[str] = mapped_column(String(36))


class Versioned:
    """`version`, SQLAlchemy's version_id_col: the record's ETag, and its `UPDATE … WHERE version =
    :seen` settles races between writers that passed the If-Match check."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Timestamps:
    """created_at and updated_at, set by the database session (the migrations' `columns.timestamps()`)."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PersonName:
    """A person's title, first name and surname, each optional (the migrations' `person_name()`)."""

    title: Mapped[str | None] = mapped_column(String(30))
    first_name: Mapped[str | None] = mapped_column(String(100))
    surname: Mapped[str | None] = mapped_column(String(100))


class JobProgress:
    """A background job's outcome and times (the migrations' `job_progress()`): who asked and when,
    when it started and finished, and its heartbeat, moved while it runs (a job whose heartbeat is
    old is resumed)."""

    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    heartbeat_at: Mapped[datetime | None] = mapped_column()


class Retried:
    """A message a worker sends until it goes (an email, an SMS, a webhook delivery; `jobs.py`): how
    many tries so far, when the next is due, and the claim that holds it: the lease, and the
    token without which a worker whose claim is gone neither sends nor records."""

    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column()
    claim_token: Mapped[str | None] = mapped_column(String(36))


class FileChunk:
    """One piece of a file kept in the database, in order (the migrations' `file_chunks()`); the
    model adds its owner's key, the first part of the primary key."""

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tenant_id: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
