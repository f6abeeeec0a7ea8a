"""quotes.decided_by / decided_at / decision_comment: the customer's answer through a quote's
acceptance link (the name they gave, when, and their comment)
"""

from alembic import op

from fieldbook_shared.migrations import columns

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("quotes") as batch_op:
        batch_op.add_column(columns.string("decided_by", 200, nullable=True))
        batch_op.add_column(columns.utc_datetime("decided_at", nullable=True))
        batch_op.add_column(columns.string("decision_comment", 1000, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quotes") as batch_op:
        batch_op.drop_column("decision_comment")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("decided_by")
