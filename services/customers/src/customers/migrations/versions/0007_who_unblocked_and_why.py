"""who unblocked a customer, when and why

`POST …/unblock` takes an optional reason; the record keeps it beside who unblocked and when
(as it keeps who blocked and why).
"""

from alembic import op

from fieldbook_shared.migrations import columns

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(columns.string("unblock_reason", 500, nullable=True))
        batch_op.add_column(columns.utc_datetime("unblocked_at", nullable=True))
        batch_op.add_column(columns.string("unblocked_by", 200, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("unblocked_by")
        batch_op.drop_column("unblocked_at")
        batch_op.drop_column("unblock_reason")
