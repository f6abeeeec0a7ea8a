"""customer_sync.create_sent_at / create_sent_ref: a create was sent to Sage, and with which ref.
Saved with the ref before the POST: a customer removed after a create whose answer was lost is
looked for in Sage by that ref (however many 429s reset its attempts since), and a ref arriving on
the customer's record never replaces the one the create was sent with.

Rows that may hold such a create (a ref kept and an attempt made, without a contact) are marked
as sent, with their ref.
"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.add_column("customer_sync", columns.utc_datetime("create_sent_at", nullable=True))
    op.add_column("customer_sync", sa.Column("create_sent_ref", sa.String(8), nullable=True))
    op.execute(
        "UPDATE customer_sync SET create_sent_ref = accounts_ref, create_sent_at = last_attempt_at "
        "WHERE sage_contact_id IS NULL AND accounts_ref IS NOT NULL AND last_attempt_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("customer_sync") as batch:
        batch.drop_column("create_sent_ref")
        batch.drop_column("create_sent_at")
