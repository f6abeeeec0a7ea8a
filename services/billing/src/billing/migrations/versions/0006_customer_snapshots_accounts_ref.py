"""customer_snapshots.accounts_ref: the customer's Sage account, from customers' snapshots, for the
aged debtors report
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("customer_snapshots") as batch_op:
        batch_op.add_column(sa.Column("accounts_ref", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer_snapshots") as batch_op:
        batch_op.drop_column("accounts_ref")
