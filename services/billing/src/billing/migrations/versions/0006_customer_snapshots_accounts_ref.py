"""customer_snapshots.accounts_ref: the customer's Sage account, from customers' snapshots, for the
aged debtors report
"""

from alembic import op

from fieldbook_shared.migrations import columns

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("customer_snapshots") as batch_op:
        batch_op.add_column(columns.string("accounts_ref", 8, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer_snapshots") as batch_op:
        batch_op.drop_column("accounts_ref")
