"""letters: what the office prints and posts (a service reminder to a customer who takes post, not
email), one per message key; the communications log's line of a letter"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db
from fieldbook_shared.migrations.columns import record_keys

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "letters",
        *record_keys(customer=True),
        sa.Column("work_address_id", sa.String(length=36), nullable=True),
        sa.Column("message_key", sa.String(length=200), nullable=True),
        sa.Column("template_id", sa.String(length=36), nullable=True),
        sa.Column("to_name", sa.String(length=300), nullable=True),
        sa.Column("address_lines", sa.JSON(), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("printed_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("printed_by", sa.String(length=200), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "message_key", name="uq_letters_message_key"),
    )
    op.create_index("ix_letters_status", "letters", ["tenant_id", "status", "created_at"])
    op.create_index("ix_letters_customer", "letters", ["tenant_id", "customer_id", "created_at"])
    with op.batch_alter_table("communications") as batch_op:
        batch_op.add_column(sa.Column("letter_id", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_communications_letter_id", ["letter_id"])


def downgrade() -> None:
    with op.batch_alter_table("communications") as batch_op:
        batch_op.drop_index("ix_communications_letter_id")
        batch_op.drop_column("letter_id")
    op.drop_index("ix_letters_customer", table_name="letters")
    op.drop_index("ix_letters_status", table_name="letters")
    op.drop_table("letters")
