"""first tables: customer_sync, balance_poll_requests, sage_credentials"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db  # noqa: F401  (column types of the kit)
from fieldbook_shared.migrations.columns import record_keys, serial_id, timestamps

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)


def upgrade() -> None:
    op.create_table(
        "balance_poll_requests",
        serial_id(),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("customer_ids", sa.JSON(), nullable=False),
        sa.Column("requested_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=True),
        sa.Column("done_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_balance_poll_requests_done_at", "balance_poll_requests", ["done_at"])
    op.create_index("ix_balance_poll_requests_tenant_id", "balance_poll_requests", ["tenant_id"])
    op.create_table(
        "customer_sync",
        *record_keys(customer=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("review_contact_id", sa.String(length=64), nullable=True),
        sa.Column("accounts_ref", sa.String(length=8), nullable=True),
        sa.Column("sage_contact_id", sa.String(length=64), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("snapshot_version", sa.Integer(), nullable=False),
        sa.Column("pushed_version", sa.Integer(), nullable=False),
        sa.Column("removed", sa.String(length=16), nullable=True),
        sa.Column("survivor_id", sa.String(length=36), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=36), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("linked_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("balance", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("balance_as_of", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("balance_published", sa.Boolean(), nullable=False),
        *timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "accounts_ref", name="uq_customer_sync_accounts_ref"),
        sa.UniqueConstraint("tenant_id", "customer_id", name="uq_customer_sync_customer"),
    )
    op.create_index("ix_customer_sync_contact", "customer_sync", ["sage_contact_id"])
    op.create_index("ix_customer_sync_due", "customer_sync", ["status", "next_attempt_at"])
    op.create_index("ix_customer_sync_tenant_status", "customer_sync", ["tenant_id", "status", "updated_at"])
    op.create_table(
        "sage_credentials",
        sa.Column("business_id", sa.String(length=100), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("access_expires_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("bootstrap_token", sa.Text(), nullable=True),
        sa.Column("updated_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("business_id"),
    )


def downgrade() -> None:
    op.drop_table("sage_credentials")
    op.drop_table("customer_sync")
    op.drop_table("balance_poll_requests")
