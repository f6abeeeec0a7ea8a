"""Money that can be undone: de-allocations, payment reversals and refunds (kept, never deleted)

allocations.deallocated_on / deallocation_reason / deallocated_by, payments.reversed_on /
reversal_reason / reversed_by, and the refunds table. The ledger entries of each undo are rows of
ledger_entries like every other movement.
"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("allocations") as batch_op:
        batch_op.add_column(sa.Column("deallocated_on", sa.Date(), nullable=True))
        batch_op.add_column(columns.string("deallocation_reason", 500, nullable=True))
        batch_op.add_column(columns.string("deallocated_by", 200, nullable=True))
    with op.batch_alter_table("payments") as batch_op:
        batch_op.add_column(sa.Column("reversed_on", sa.Date(), nullable=True))
        batch_op.add_column(columns.string("reversal_reason", 500, nullable=True))
        batch_op.add_column(columns.string("reversed_by", 200, nullable=True))
    op.create_table(
        "refunds",
        sa.Column("id", sa.String(length=36), primary_key=True),
        columns.tenant_id(),
        columns.record_id("customer_id"),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        columns.string("method", 32),
        columns.string("reference", 200, nullable=True),
        sa.Column("refunded_on", sa.Date(), nullable=False),
        columns.string("created_by", 200, nullable=True),
        columns.created_at(),
    )
    op.create_index("ix_refunds_tenant_customer", "refunds", ["tenant_id", "customer_id"])
    # a refund's entries are read back by its id
    op.create_index("ix_ledger_tenant_document", "ledger_entries", ["tenant_id", "document_id"])


def downgrade() -> None:
    op.drop_index("ix_ledger_tenant_document", table_name="ledger_entries")
    op.drop_index("ix_refunds_tenant_customer", table_name="refunds")
    op.drop_table("refunds")
    with op.batch_alter_table("payments") as batch_op:
        batch_op.drop_column("reversed_by")
        batch_op.drop_column("reversal_reason")
        batch_op.drop_column("reversed_on")
    with op.batch_alter_table("allocations") as batch_op:
        batch_op.drop_column("deallocated_by")
        batch_op.drop_column("deallocation_reason")
        batch_op.drop_column("deallocated_on")
