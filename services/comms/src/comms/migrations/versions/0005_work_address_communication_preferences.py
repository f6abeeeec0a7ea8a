"""work address copies: the work address's communication preferences, from customers'
work_address.* snapshots (copies held before this have none, `{}`, until the next snapshot)
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("work_address_copies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("communication_preferences", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("work_address_copies", schema=None) as batch_op:
        batch_op.drop_column("communication_preferences")
