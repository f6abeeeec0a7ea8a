"""SMS: the `sms` table (one text message per row, sent through the provider by the worker), the
log's `sms_id`, and the mobile numbers of the read model (customer copies' `phone`, contact copies'
`phones`; copies held before this have none until the next snapshot)
"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    when = fieldbook_shared.db.UTCDateTime(timezone=True)
    op.create_table(
        "sms",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("contact_id", sa.String(length=36), nullable=True),
        sa.Column("work_address_id", sa.String(length=36), nullable=True),
        sa.Column("template_id", sa.String(length=36), nullable=True),
        sa.Column("to_number", sa.String(length=20), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", when, nullable=False),
        sa.Column("lease_until", when, nullable=True),
        sa.Column("claim_token", sa.String(length=36), nullable=True),
        sa.Column("provider_message_id", sa.String(length=100), nullable=True),
        sa.Column("provider_status", sa.String(length=40), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("sent_at", when, nullable=True),
        sa.Column("delivered_at", when, nullable=True),
        sa.Column("failed_at", when, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sms_due", "sms", ["status", "next_attempt_at"])
    op.create_index("ix_sms_customer", "sms", ["tenant_id", "customer_id", "created_at"])
    op.create_index("ix_sms_provider_message_id", "sms", ["provider_message_id"])
    with op.batch_alter_table("communications") as batch_op:
        batch_op.add_column(sa.Column("sms_id", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_communications_sms_id", ["sms_id"])
    with op.batch_alter_table("customer_copies") as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=40), nullable=True))
    with op.batch_alter_table("contact_copies") as batch_op:
        batch_op.add_column(sa.Column("phones", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("contact_copies") as batch_op:
        batch_op.drop_column("phones")
    with op.batch_alter_table("customer_copies") as batch_op:
        batch_op.drop_column("phone")
    with op.batch_alter_table("communications") as batch_op:
        batch_op.drop_index("ix_communications_sms_id")
        batch_op.drop_column("sms_id")
    op.drop_table("sms")
