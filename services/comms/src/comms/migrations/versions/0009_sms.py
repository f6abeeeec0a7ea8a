"""SMS: the `sms` table (one text message per row, sent through the provider by the worker), the
log's `sms_id`, and the mobile numbers of the read model (customer copies' `phone`, contact copies'
`phones`; copies held before this have none until the next snapshot)
"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db
from fieldbook_shared.migrations import columns

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    when = fieldbook_shared.db.UTCDateTime(timezone=True)
    op.create_table(
        "sms",
        columns.record_id("id"),
        columns.tenant_id(),
        columns.record_id("customer_id", nullable=True),
        columns.record_id("contact_id", nullable=True),
        columns.record_id("work_address_id", nullable=True),
        columns.record_id("template_id", nullable=True),
        columns.string("to_number", 20, nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        columns.string("status", 16),
        columns.string("reason", 300, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", when, nullable=False),
        sa.Column("lease_until", when, nullable=True),
        columns.string("claim_token", 36, nullable=True),
        columns.string("provider_message_id", 100, nullable=True),
        columns.string("provider_status", 40, nullable=True),
        columns.string("author", 200),
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
        batch_op.add_column(columns.record_id("sms_id", nullable=True))
        batch_op.create_index("ix_communications_sms_id", ["sms_id"])
    with op.batch_alter_table("customer_copies") as batch_op:
        batch_op.add_column(columns.string("phone", 40, nullable=True))
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
