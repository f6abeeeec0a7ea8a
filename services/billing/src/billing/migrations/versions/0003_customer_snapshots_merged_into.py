"""customer_snapshots.merged_into: a merged customer's old id answers 410 naming the survivor, as in
every service (the kit's CustomerMerged)
"""

from alembic import op

from fieldbook_shared.migrations import columns

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("customer_snapshots") as batch_op:
        batch_op.add_column(columns.string("merged_into", 36, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer_snapshots") as batch_op:
        batch_op.drop_column("merged_into")
