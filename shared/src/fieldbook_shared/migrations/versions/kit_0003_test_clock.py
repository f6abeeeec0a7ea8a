"""the test clock's table: the time a service's processes agree on when FIELDBOOK_TEST_CLOCK=1

`fieldbook_shared.clock` reads it; `PUT /internal/clock` sets it (docs/architecture.md §6). Empty,
and never read, in production.
"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "kit_0003"
down_revision = "kit_0002"


def upgrade() -> None:
    op.create_table(
        "test_clock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        columns.utc_datetime("now_at"),
        columns.utc_datetime("set_at"),
        columns.flag("ticking"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("test_clock")
