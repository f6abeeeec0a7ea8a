"""Money that can be undone: de-allocations, payment reversals and refunds (kept, never deleted)

allocations.deallocated_on / deallocation_reason / deallocated_by, payments.reversed_on /
reversal_reason / reversed_by, and the refunds table. The ledger entries of each undo are rows of
ledger_entries like every other movement.
"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db  # noqa: F401  (column types of the kit)

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("allocations") as batch_op:
        batch_op.add_column(sa.Column("deallocated_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("deallocation_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("deallocated_by", sa.String(length=200), nullable=True))
    with op.batch_alter_table("payments") as batch_op:
        batch_op.add_column(sa.Column("reversed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("reversal_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("reversed_by", sa.String(length=200), nullable=True))
    op.create_table(
        "refunds",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("refunded_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
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
