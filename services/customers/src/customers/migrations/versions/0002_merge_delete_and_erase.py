"""merge, delete and erase"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "customer_merges",
        *columns.record_keys(),
        columns.record_id("merged_id"),
        columns.record_id("survivor_id"),
        columns.string("actor", 200),
        columns.utc_datetime("merged_at"),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "merged_id", name="uq_customer_merges_merged"),
    )
    op.create_index("ix_customer_merges_survivor_id", "customer_merges", ["survivor_id"])
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("has_transactions", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
        batch_op.add_column(columns.record_id("merged_into_id", nullable=True))
        batch_op.add_column(columns.utc_datetime("erased_at", nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("has_transactions")

    op.drop_table("customer_merges")
