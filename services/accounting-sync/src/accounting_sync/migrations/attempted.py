"""What accounting-sync's migration scripts make for every table of rows the worker's loops claim
and try (`store.models.Attempted`: customer sync rows, postings to Sage).

A revision that has run somewhere must keep making the same schema, so what these make never
changes; a different shape is a new function (as in `fieldbook_shared.migrations.columns`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns


def attempt_columns() -> list[sa.Column]:
    """How many attempts so far, when the last was and the next is due, the claim that holds the
    row (its lease and token) and the last attempt's error."""
    return [
        sa.Column("attempts", sa.Integer(), nullable=False),
        columns.utc_datetime("last_attempt_at", nullable=True),
        columns.utc_datetime("next_attempt_at", nullable=True),
        columns.utc_datetime("claimed_until", nullable=True),
        columns.string("claim_token", 36, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    ]


def create_attempt_indexes(table: str) -> None:
    """The due rows by status and next attempt (the loops' claim, `queries.claim_due`), and a
    tenant's rows by status, latest change first (`queries.latest_first`)."""
    op.create_index(f"ix_{table}_due", table, ["status", "next_attempt_at"])
    op.create_index(f"ix_{table}_tenant_status", table, ["tenant_id", "status", "updated_at"])
