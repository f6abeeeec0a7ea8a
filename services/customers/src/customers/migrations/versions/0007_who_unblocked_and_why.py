"""who unblocked a customer, when and why

`POST …/unblock` takes an optional reason; the record keeps it beside who unblocked and when
(as it keeps who blocked and why).
"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unblock_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column("unblocked_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("unblocked_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("unblocked_by")
        batch_op.drop_column("unblocked_at")
        batch_op.drop_column("unblock_reason")
