"""work addresses: communication preferences, like customers and contacts (seed 001: "Set
Communication Preferences" when adding a work address)

Work addresses written before this have none (`{}`): no channel refused.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    with op.batch_alter_table("work_addresses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("communication_preferences", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("work_addresses", schema=None) as batch_op:
        batch_op.drop_column("communication_preferences")
