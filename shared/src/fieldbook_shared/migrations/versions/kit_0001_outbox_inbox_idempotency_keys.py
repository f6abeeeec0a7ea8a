"""the kit's tables: the outbox, the inbox (processed_events) and the idempotency keys

The first revision of the kit's branch (label `kit`), which every service's Alembic history
includes (`fieldbook_shared.migrations.alembic_config`). Each service's first migration depends on
it. Until the kit had its own branch, each service's first migration created these same tables, so
a database made then already holds them: Alembic counts this revision as applied there, because the
service revision recorded in its alembic_version depends on it, and never runs it.
"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "kit_0001"
down_revision = None
branch_labels = ("kit",)

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        columns.tenant_id(),
        columns.string("key", 255),
        columns.string("request_hash", 64),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        columns.created_at(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "key", name="uq_idempotency_tenant_key"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.create_table(
        "outbox",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        columns.record_id("event_id"),
        columns.string("event_type", 100),
        columns.tenant_id(),
        columns.string("subject", 64, nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        columns.created_at(),
        columns.utc_datetime("sent_at", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])
    op.create_index("ix_outbox_tenant_id", "outbox", ["tenant_id"])
    op.create_table(
        "processed_events",
        columns.record_id("event_id"),
        columns.string("event_type", 100),
        columns.utc_datetime("processed_at"),
        sa.PrimaryKeyConstraint("event_id"),
    )


def downgrade() -> None:
    op.drop_table("processed_events")
    op.drop_table("outbox")
    op.drop_table("idempotency_keys")
