"""customer_sync.deleted_contact_id: the Sage contact a customer was linked to until it was deleted
in Sage. The sync then matches again, and a new create's idempotency_id names this contact, so Sage
does not replay the first create (whose contact is gone) instead of creating.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.add_column("customer_sync", sa.Column("deleted_contact_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer_sync") as batch:
        batch.drop_column("deleted_contact_id")
