"""reminder sends: the channel a stage was requested on (email, or a letter to print)"""

from alembic import op

from fieldbook_shared.migrations import columns

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("reminder_sends", columns.string("channel", 16, nullable=True))
    # every stage requested before letters was emailed
    op.execute("UPDATE reminder_sends SET channel = 'email' WHERE status = 'requested'")


def downgrade() -> None:
    op.drop_column("reminder_sends", "channel")
