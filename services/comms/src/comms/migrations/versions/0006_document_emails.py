"""emails: the billing document (invoice, quote or credit note) an email carries, whose PDF the
sender fetches from billing when it sends it (as it does a statement's)
"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("emails", schema=None) as batch_op:
        batch_op.add_column(columns.string("document_kind", 16, nullable=True))
        batch_op.add_column(columns.record_id("document_id", nullable=True))
        batch_op.add_column(sa.Column("document_number", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("emails", schema=None) as batch_op:
        batch_op.drop_column("document_number")
        batch_op.drop_column("document_id")
        batch_op.drop_column("document_kind")
