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
