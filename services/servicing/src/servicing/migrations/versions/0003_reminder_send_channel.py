"""reminder sends: the channel a stage was requested on (email, or a letter to print)"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("reminder_sends", sa.Column("channel", sa.String(length=16), nullable=True))
    # every stage requested before letters was emailed
    op.execute("UPDATE reminder_sends SET channel = 'email' WHERE status = 'requested'")


def downgrade() -> None:
    op.drop_column("reminder_sends", "channel")
