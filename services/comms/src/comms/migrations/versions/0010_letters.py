"""letters: what the office prints and posts (a service reminder to a customer who takes post, not
email), one per message key; the communications log's line of a letter"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "letters",
        *columns.record_keys(customer=True),
        columns.record_id("work_address_id", nullable=True),
        columns.string("message_key", 200, nullable=True),
        columns.record_id("template_id", nullable=True),
        columns.string("to_name", 300, nullable=True),
        sa.Column("address_lines", sa.JSON(), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=False),
        columns.string("subject", 500),
        sa.Column("body", sa.Text(), nullable=False),
        columns.string("reason", 200, nullable=True),
        columns.string("status", 16),
        columns.utc_datetime("printed_at", nullable=True),
        columns.string("printed_by", 200, nullable=True),
        columns.string("author", 200),
        columns.created_at(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "message_key", name="uq_letters_message_key"),
    )
    op.create_index("ix_letters_status", "letters", ["tenant_id", "status", "created_at"])
    op.create_index("ix_letters_customer", "letters", ["tenant_id", "customer_id", "created_at"])
    with op.batch_alter_table("communications") as batch_op:
        batch_op.add_column(columns.record_id("letter_id", nullable=True))
        batch_op.create_index("ix_communications_letter_id", ["letter_id"])


def downgrade() -> None:
    with op.batch_alter_table("communications") as batch_op:
        batch_op.drop_index("ix_communications_letter_id")
        batch_op.drop_column("letter_id")
    op.drop_index("ix_letters_customer", table_name="letters")
    op.drop_index("ix_letters_status", table_name="letters")
    op.drop_table("letters")
