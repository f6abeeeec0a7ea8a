"""quotes.decided_by / decided_at / decision_comment: the customer's answer through a quote's
acceptance link (the name they gave, when, and their comment)
"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("quotes") as batch_op:
        batch_op.add_column(sa.Column("decided_by", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("decided_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("decision_comment", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quotes") as batch_op:
        batch_op.drop_column("decision_comment")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("decided_by")
