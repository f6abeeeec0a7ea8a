"""What billing's migration scripts make more than once: a document's amounts, and the table of a
document's lines (a quote's, an invoice's, a credit note's, a recurring invoice's).

A revision that has run somewhere must keep making the same schema, so what these make never
changes; a different shape is a new function (as in `fieldbook_shared.migrations.columns`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns


def amounts() -> list[sa.Column]:
    """A document's or a line's money: net, VAT and total."""
    return [columns.money("net"), columns.money("vat"), columns.money("total")]


def create_lines_table(table: str, document_key: str, documents: str, *extra: sa.Column) -> None:
    """`table`: the lines of the rows of `documents`. Each line's document (`document_key`, indexed;
    its lines go with it) comes first, then `extra`, then what every line holds."""
    op.create_table(
        table,
        columns.record_id(document_key),
        *extra,
        *columns.record_keys(),
        sa.Column("position", sa.Integer(), nullable=False),
        columns.string("description", 500),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        columns.money("unit_price"),
        sa.Column("vat_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        columns.string("category", 16),
        *amounts(),
        sa.ForeignKeyConstraint([document_key], [f"{documents}.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(f"ix_{table}_{document_key}", table, [document_key])
