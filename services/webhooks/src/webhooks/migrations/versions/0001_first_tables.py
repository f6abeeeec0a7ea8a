"""first tables: endpoints, messages (the bodies sent) and deliveries"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.db import UTCDateTime
from fieldbook_shared.migrations import columns

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)


def _at(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "endpoints",
        *columns.record_keys(),
        columns.string("url", 2000),
        columns.string("description", 500, nullable=True),
        sa.Column("event_types", sa.JSON(), nullable=False),
        columns.string("status", 16),
        columns.string("disabled_reason", 500, nullable=True),
        _at("disabled_at"),
        _at("failing_since"),
        columns.string("secret", 100),
        columns.string("previous_secret", 100, nullable=True),
        _at("previous_secret_expires_at"),
        columns.string("created_by", 200),
        columns.version(),
        _at("created_at", False),
        _at("updated_at", False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_endpoints_tenant_created", "endpoints", ["tenant_id", "created_at"])
    op.create_table(
        "messages",
        columns.string("id", 64),
        columns.tenant_id(),
        columns.string("event_type", 100),
        columns.string("order_key", 64),
        sa.Column("body", sa.Text(), nullable=False),
        _at("occurred_at", False),
        _at("received_at", False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_messages_tenant_key", "messages", ["tenant_id", "order_key"])
    op.create_table(
        "deliveries",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("id", sa.String(length=36), nullable=False, unique=True),
        columns.tenant_id(),
        sa.Column(
            "endpoint_id",
            sa.String(length=36),
            sa.ForeignKey("endpoints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("message_id", sa.String(length=64), sa.ForeignKey("messages.id"), nullable=False),
        columns.string("event_type", 100),
        columns.string("order_key", 64),
        columns.string("status", 16),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        columns.string("last_error", 500, nullable=True),
        _at("next_attempt_at", False),
        _at("lease_until"),
        columns.string("claim_token", 36, nullable=True),
        columns.string("replay_of", 36, nullable=True),
        _at("created_at", False),
        _at("last_attempt_at"),
        _at("delivered_at"),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_line", "deliveries", ["endpoint_id", "order_key", "status", "seq"])
    op.create_index("ix_deliveries_endpoint_seq", "deliveries", ["tenant_id", "endpoint_id", "seq"])


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("messages")
    op.drop_table("endpoints")
