"""The gateway's own tables: tenants, API keys, rate-limit windows.

Its own DeclarativeBase, not the kit's: the gateway has no outbox and publishes no events.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import ClassVar

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from fieldbook_shared.db import UTCDateTime, create_engine, new_id, utcnow


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict] = {datetime: UTCDateTime()}


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """A key is shown once; only its SHA-256 is kept. `prefix` (first 8 chars) finds the row."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(36), ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(8), index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class RateWindow(Base):
    """Requests one key made in one fixed minute (`window_start`: epoch seconds, a multiple of 60)."""

    __tablename__ = "rate_windows"

    key_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    window_start: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    count: Mapped[int] = mapped_column(Integer, default=0)


def make_engine(url: str) -> Engine:
    """The kit's engine; for a SQLite file, its folder is created first so a fresh checkout runs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url)
