"""an index on processed_events.processed_at: the kit's retention purge deletes inbox rows older
than INBOX_RETENTION_DAYS a batch at a time, which without it reads the whole table each batch

Each service once added this index in a migration of its own; those revisions now depend on this
one and do nothing themselves, so a database that ran them counts this one as applied.
"""

from alembic import op

revision = "kit_0002"
down_revision = "kit_0001"


def upgrade() -> None:
    op.create_index("ix_processed_events_processed_at", "processed_events", ["processed_at"])


def downgrade() -> None:
    op.drop_index("ix_processed_events_processed_at", table_name="processed_events")
