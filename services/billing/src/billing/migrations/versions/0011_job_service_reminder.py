"""jobs.service_reminder_id: the service reminder (servicing) a job was booked from"""

from alembic import op

from fieldbook_shared.migrations import columns

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.add_column(columns.record_id("service_reminder_id", nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_column("service_reminder_id")
