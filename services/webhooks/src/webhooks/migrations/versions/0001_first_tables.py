"""first tables: endpoints, messages (the bodies sent) and deliveries"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.db import UTCDateTime
from fieldbook_shared.migrations.columns import record_keys

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)


def _at(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "endpoints",
        *record_keys(),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("disabled_reason", sa.String(length=500), nullable=True),
        _at("disabled_at"),
        _at("failing_since"),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("previous_secret", sa.String(length=100), nullable=True),
        _at("previous_secret_expires_at"),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _at("created_at", False),
        _at("updated_at", False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_endpoints_tenant_created", "endpoints", ["tenant_id", "created_at"])
    op.create_table(
        "messages",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("order_key", sa.String(length=64), nullable=False),
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
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column(
            "endpoint_id",
            sa.String(length=36),
            sa.ForeignKey("endpoints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("message_id", sa.String(length=64), sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("order_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        _at("next_attempt_at", False),
        _at("lease_until"),
        sa.Column("claim_token", sa.String(length=36), nullable=True),
        sa.Column("replay_of", sa.String(length=36), nullable=True),
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
