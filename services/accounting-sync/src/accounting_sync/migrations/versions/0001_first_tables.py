"""first tables: customer_sync, balance_poll_requests, sage_credentials"""

import sqlalchemy as sa
from alembic import op

from accounting_sync.migrations import attempted
from fieldbook_shared.migrations import columns

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)


def upgrade() -> None:
    op.create_table(
        "balance_poll_requests",
        columns.serial_id(),
        columns.tenant_id(),
        sa.Column("customer_ids", sa.JSON(), nullable=False),
        columns.utc_datetime("requested_at"),
        columns.string("requested_by", 200, nullable=True),
        columns.utc_datetime("done_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_balance_poll_requests_done_at", "balance_poll_requests", ["done_at"])
    op.create_index("ix_balance_poll_requests_tenant_id", "balance_poll_requests", ["tenant_id"])
    op.create_table(
        "customer_sync",
        *columns.record_keys(customer=True),
        columns.string("status", 16),
        columns.string("action", 16),
        columns.string("review_contact_id", 64, nullable=True),
        columns.string("accounts_ref", 8, nullable=True),
        columns.string("sage_contact_id", 64, nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("snapshot_version", sa.Integer(), nullable=False),
        sa.Column("pushed_version", sa.Integer(), nullable=False),
        columns.string("removed", 16, nullable=True),
        columns.record_id("survivor_id", nullable=True),
        *attempted.attempt_columns(),
        sa.Column("candidates", sa.JSON(), nullable=False),
        columns.utc_datetime("linked_at", nullable=True),
        columns.money("balance", nullable=True),
        columns.utc_datetime("balance_as_of", nullable=True),
        columns.flag("balance_published"),
        *columns.timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "accounts_ref", name="uq_customer_sync_accounts_ref"),
        sa.UniqueConstraint("tenant_id", "customer_id", name="uq_customer_sync_customer"),
    )
    op.create_index("ix_customer_sync_contact", "customer_sync", ["sage_contact_id"])
    attempted.create_attempt_indexes("customer_sync")
    op.create_table(
        "sage_credentials",
        columns.string("business_id", 100),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("access_token", sa.Text(), nullable=True),
        columns.utc_datetime("access_expires_at", nullable=True),
        sa.Column("bootstrap_token", sa.Text(), nullable=True),
        columns.utc_datetime("updated_at"),
        sa.PrimaryKeyConstraint("business_id"),
    )


def downgrade() -> None:
    op.drop_table("sage_credentials")
    op.drop_table("customer_sync")
    op.drop_table("balance_poll_requests")
