"""merge, delete and erase"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db
from fieldbook_shared.migrations.columns import record_keys

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "customer_merges",
        *record_keys(),
        sa.Column("merged_id", sa.String(length=36), nullable=False),
        sa.Column("survivor_id", sa.String(length=36), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("merged_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "merged_id", name="uq_customer_merges_merged"),
    )
    op.create_index("ix_customer_merges_survivor_id", "customer_merges", ["survivor_id"])
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("has_transactions", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
        batch_op.add_column(sa.Column("merged_into_id", sa.String(length=36), nullable=True))
        batch_op.add_column(
            sa.Column("erased_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("has_transactions")

    op.drop_table("customer_merges")
