"""emails.message_key: what another service asks to be sent once (a service reminder's stage),
unique per tenant"""

from alembic import op

from fieldbook_shared.migrations import columns

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    with op.batch_alter_table("emails") as batch_op:
        batch_op.add_column(columns.string("message_key", 200, nullable=True))
        batch_op.create_unique_constraint("uq_emails_message_key", ["tenant_id", "message_key"])


def downgrade() -> None:
    with op.batch_alter_table("emails") as batch_op:
        batch_op.drop_constraint("uq_emails_message_key", type_="unique")
        batch_op.drop_column("message_key")
