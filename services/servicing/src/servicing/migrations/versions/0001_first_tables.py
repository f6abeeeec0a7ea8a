"""first tables: intervals, reminders, the chain's sends, the read models"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.db import UTCDateTime
from fieldbook_shared.migrations.columns import copy_columns, record_keys, timestamps

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)

ID = sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "known_customers",
        *copy_columns("known_customers", "customer_id"),
        sa.Column("display_name", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("communication_preferences", sa.JSON(), nullable=False),
        sa.Column("merged_into", ID, nullable=True),
    )
    op.create_table(
        "known_work_addresses",
        *copy_columns("known_work_addresses", "work_address_id"),
        sa.Column("customer_id", ID, nullable=False, index=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("communication_preferences", sa.JSON(), nullable=False),
    )
    op.create_table(
        "known_assets",
        *copy_columns("known_assets", "asset_id"),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("work_address_id", ID, nullable=True),
        sa.Column("asset_group_id", ID, nullable=True, index=True),
        sa.Column("brand", sa.String(length=200), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("serial_number", sa.String(length=100), nullable=True),
        sa.Column("install_date", sa.Date(), nullable=True),
    )
    op.create_table(
        "service_intervals",
        *record_keys(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("scope_id", ID, nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        *timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "scope", "scope_id", name="uq_service_intervals_scope"),
    )
    op.create_table(
        "service_reminders",
        *record_keys(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("asset_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False, index=True),
        sa.Column("work_address_id", ID, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("interval_months", sa.Integer(), nullable=True),
        sa.Column("last_service_date", sa.Date(), nullable=True),
        sa.Column("last_job_id", ID, nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("due_set_by_hand", sa.Date(), nullable=True),
        sa.Column("booked_for", sa.Date(), nullable=True),
        sa.Column("job_id", ID, nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        *timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "asset_id", name="uq_service_reminders_asset"),
        sa.Index("ix_service_reminders_due", "tenant_id", "due_date"),
        sa.Index("ix_service_reminders_status_due", "status", "due_date"),
        sa.Index("ix_service_reminders_work_address", "tenant_id", "work_address_id"),
    )
    op.create_table(
        "reminder_sends",
        *record_keys(),
        sa.Column("reminder_id", ID, nullable=False, index=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("message_key", sa.String(length=200), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
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
