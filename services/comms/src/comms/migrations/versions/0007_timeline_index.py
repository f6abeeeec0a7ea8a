"""the customer's timeline: the communications log's index (tenant_id, customer_id, occurred_at)
gains `id`, so the log's part of the timeline is a keyset range scan
"""

from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_index(
        "ix_communications_customer_timeline",
        "communications",
        ["tenant_id", "customer_id", "occurred_at", "id"],
    )
    op.drop_index("ix_communications_customer", table_name="communications")


def downgrade() -> None:
    op.create_index(
        "ix_communications_customer", "communications", ["tenant_id", "customer_id", "occurred_at"]
    )
    op.drop_index("ix_communications_customer_timeline", table_name="communications")
