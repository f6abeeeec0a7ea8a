"""an index on processed_events.processed_at, now made by the kit's branch (kit_0002)

This revision made the index before the kit had its own branch; it now only depends on kit_0002,
so a database that ran it counts kit_0002 as applied, and a new one gets the index from the kit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 23:40:00
"""

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = "kit_0002"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
