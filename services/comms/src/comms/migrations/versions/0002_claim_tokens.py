"""claim tokens on emails and mass emails: who owns a claim

A lease alone has no owner: a batch that outlasts it is claimed again by a second worker and both
send. Each claim now writes its own token; a worker whose token is no longer on the row has lost the
claim and neither sends nor records.
"""

from alembic import op

from fieldbook_shared.migrations import columns

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("emails", schema=None) as batch_op:
        batch_op.add_column(columns.string("claim_token", 36, nullable=True))
    with op.batch_alter_table("mass_emails", schema=None) as batch_op:
        batch_op.add_column(columns.string("claim_token", 36, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mass_emails", schema=None) as batch_op:
        batch_op.drop_column("claim_token")
    with op.batch_alter_table("emails", schema=None) as batch_op:
        batch_op.drop_column("claim_token")
