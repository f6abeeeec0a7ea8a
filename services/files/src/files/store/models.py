"""SQLAlchemy models of the files service. Every table carries tenant_id; every query filters by it.

A `StoredFile` is one file's metadata; its bytes are in the blob store (store/blobs.py) under
`storage_key`. It records its events (`fieldbook_shared.aggregate`): `file.uploaded` when added,
`file.deleted` when removed. A file never changes after its upload (no version, no ETag): a new
version of a document is a new file.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldbook_shared.aggregate import Aggregate
from fieldbook_shared.db import Base, utcnow
from fieldbook_shared.records import RecordKeys


class StoredFile(Aggregate, RecordKeys, Base):
    __tablename__ = "files"
    __table_args__ = (
        Index("ix_files_tenant_owner", "tenant_id", "attached_to", "owner_id", "created_at"),
        # the customer's files, and its part of the timeline, newest first
        Index("ix_files_tenant_customer_created", "tenant_id", "customer_id", "created_at", "id"),
    )

    customer_id: Mapped[str] = mapped_column(String(36))  # whose record it is on (merges move it)
    attached_to: Mapped[str] = mapped_column(String(16))  # domain/owners.py KINDS
    owner_id: Mapped[str] = mapped_column(String(36))
    work_address_id: Mapped[str | None] = mapped_column(String(36))  # when attached to one (timeline filter)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    uploaded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
