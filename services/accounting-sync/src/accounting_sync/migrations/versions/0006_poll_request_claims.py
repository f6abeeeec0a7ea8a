"""balance_poll_requests: a claim (lease) so one worker process answers a request, and tries with a
backoff, the last error and a give-up time, so a failing on-demand poll no longer retries every
second forever
"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("balance_poll_requests") as batch:
        batch.add_column(columns.utc_datetime("claimed_until", nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(columns.utc_datetime("next_attempt_at", nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(columns.utc_datetime("failed_at", nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("balance_poll_requests") as batch:
        for name in ("failed_at", "last_error", "next_attempt_at", "attempts", "claimed_until"):
            batch.drop_column(name)
