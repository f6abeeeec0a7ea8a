"""sage_postings: billing's invoices, credit notes and payments to post to Sage, each exactly once"""

import sqlalchemy as sa
from alembic import op

from accounting_sync.migrations import attempted
from fieldbook_shared.migrations import columns

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "sage_postings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=True),
        sa.Column("reference", sa.String(64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("allocations", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sage_id", sa.String(64), nullable=True),
        *attempted.attempt_columns(),
        columns.utc_datetime("create_sent_at", nullable=True),
        columns.utc_datetime("posted_at", nullable=True),
        columns.created_at(),
        columns.utc_datetime("updated_at"),
        sa.UniqueConstraint("tenant_id", "kind", "source_id", name="uq_sage_postings_source"),
    )
    attempted.create_attempt_indexes("sage_postings")
    op.create_index("ix_sage_postings_tenant_customer", "sage_postings", ["tenant_id", "customer_id"])


def downgrade() -> None:
    op.drop_table("sage_postings")
