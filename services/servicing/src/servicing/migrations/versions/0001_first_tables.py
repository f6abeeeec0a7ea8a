"""first tables: intervals, reminders, the chain's sends, the read models"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)

ID = sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "known_customers",
        *columns.copy_columns("known_customers", "customer_id"),
        columns.string("display_name", 300, nullable=True),
        columns.string("status", 16, nullable=True),
        columns.flag("blocked"),
        sa.Column("communication_preferences", sa.JSON(), nullable=False),
        sa.Column("merged_into", ID, nullable=True),
    )
    op.create_table(
        "known_work_addresses",
        *columns.copy_columns("known_work_addresses", "work_address_id"),
        sa.Column("customer_id", ID, nullable=False, index=True),
        columns.string("name", 200, nullable=True),
        sa.Column("address", sa.JSON(), nullable=False),
        columns.string("status", 16, nullable=True),
        sa.Column("communication_preferences", sa.JSON(), nullable=False),
    )
    op.create_table(
        "known_assets",
        *columns.copy_columns("known_assets", "asset_id"),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("work_address_id", ID, nullable=True),
        sa.Column("asset_group_id", ID, nullable=True, index=True),
        columns.string("brand", 200, nullable=True),
        columns.string("description", 500, nullable=True),
        columns.string("serial_number", 100, nullable=True),
        sa.Column("install_date", sa.Date(), nullable=True),
    )
    op.create_table(
        "service_intervals",
        *columns.record_keys(),
        columns.version(),
        columns.string("scope", 16),
        sa.Column("scope_id", ID, nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        *columns.timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "scope", "scope_id", name="uq_service_intervals_scope"),
    )
    op.create_table(
        "service_reminders",
        *columns.record_keys(),
        columns.version(),
        sa.Column("asset_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False, index=True),
        sa.Column("work_address_id", ID, nullable=True),
        columns.string("status", 16),
        sa.Column("interval_months", sa.Integer(), nullable=True),
        sa.Column("last_service_date", sa.Date(), nullable=True),
        sa.Column("last_job_id", ID, nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("due_set_by_hand", sa.Date(), nullable=True),
        sa.Column("booked_for", sa.Date(), nullable=True),
        sa.Column("job_id", ID, nullable=True),
        columns.string("reason", 500, nullable=True),
        columns.string("decided_by", 200, nullable=True),
        columns.utc_datetime("decided_at", nullable=True),
        columns.flag("removed"),
        *columns.timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "asset_id", name="uq_service_reminders_asset"),
        sa.Index("ix_service_reminders_due", "tenant_id", "due_date"),
        sa.Index("ix_service_reminders_status_due", "status", "due_date"),
        sa.Index("ix_service_reminders_work_address", "tenant_id", "work_address_id"),
    )
    op.create_table(
        "reminder_sends",
        *columns.record_keys(),
        sa.Column("reminder_id", ID, nullable=False, index=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        columns.string("stage", 16),
        columns.string("status", 16),
        columns.string("reason", 200, nullable=True),
        columns.string("message_key", 200),
        sa.Column("on_day", sa.Date(), nullable=False),
        columns.created_at(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "reminder_id", "due_date", "stage", name="uq_reminder_sends_stage"),
    )


def downgrade() -> None:
    for table in (
        "reminder_sends",
        "service_reminders",
        "service_intervals",
        "known_assets",
        "known_work_addresses",
        "known_customers",
    ):
        op.drop_table(table)
