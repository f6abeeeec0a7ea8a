"""a partial index on the outbox's unsent rows, in id order: the relay's claim (`sent_at IS NULL
ORDER BY id LIMIT n`) reads the next batch off it directly, where the index on sent_at gave every
unsent row to sort (100,000 after a large import) and the primary key walked the sent history
"""

import sqlalchemy as sa
from alembic import op

revision = "kit_0004"
down_revision = "kit_0003"


def upgrade() -> None:
    op.create_index(
        "ix_outbox_unsent",
        "outbox",
        ["id"],
        postgresql_where=sa.text("sent_at IS NULL"),
        sqlite_where=sa.text("sent_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_unsent", table_name="outbox")
