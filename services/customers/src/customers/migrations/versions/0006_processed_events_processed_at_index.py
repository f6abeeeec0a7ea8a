"""an index on processed_events.processed_at: the kit's retention purge deletes inbox rows older
than INBOX_RETENTION_DAYS a batch at a time, which without it reads the whole table each batch

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 23:40:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_processed_events_processed_at", "processed_events", ["processed_at"])


def downgrade() -> None:
    op.drop_index("ix_processed_events_processed_at", table_name="processed_events")
