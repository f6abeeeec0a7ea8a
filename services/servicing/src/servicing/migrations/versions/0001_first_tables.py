"""first tables: intervals, reminders, the chain's sends, the read models"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db  # noqa: F401  (column types of the kit)

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)


def upgrade() -> None:
    op.create_table(
        "known_assets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("asset_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("work_address_id", sa.String(length=36), nullable=True),
        sa.Column("asset_group_id", sa.String(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("brand", sa.String(length=200), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("serial_number", sa.String(length=100), nullable=True),
        sa.Column("install_date", sa.Date(), nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "asset_id", name="uq_known_assets_tenant_id"),
    )
    with op.batch_alter_table("known_assets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_assets_asset_group_id"), ["asset_group_id"], unique=False)

    op.create_table(
        "known_customers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("communication_preferences", sa.JSON(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("merged_into", sa.String(length=36), nullable=True),
        sa.Column("updated_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "customer_id", name="uq_known_customers_tenant_id"),
    )
    op.create_table(
        "known_work_addresses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("work_address_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("communication_preferences", sa.JSON(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "work_address_id", name="uq_known_work_addresses_tenant_id"),
    )
    with op.batch_alter_table("known_work_addresses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_known_work_addresses_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "reminder_sends",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("reminder_id", sa.String(length=36), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("message_key", sa.String(length=200), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "reminder_id", "due_date", "stage", name="uq_reminder_sends_stage"),
    )
    with op.batch_alter_table("reminder_sends", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_sends_reminder_id"), ["reminder_id"], unique=False)

    op.create_table(
        "service_intervals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "scope", "scope_id", name="uq_service_intervals_scope"),
    )
    op.create_table(
        "service_reminders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("work_address_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("interval_months", sa.Integer(), nullable=True),
        sa.Column("last_service_date", sa.Date(), nullable=True),
        sa.Column("last_job_id", sa.String(length=36), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("due_set_by_hand", sa.Date(), nullable=True),
        sa.Column("booked_for", sa.Date(), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "asset_id", name="uq_service_reminders_asset"),
    )
    with op.batch_alter_table("service_reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_reminders_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_service_reminders_due", ["tenant_id", "due_date"], unique=False)
        batch_op.create_index("ix_service_reminders_status_due", ["status", "due_date"], unique=False)
        batch_op.create_index(
            "ix_service_reminders_work_address", ["tenant_id", "work_address_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("service_reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_service_reminders_work_address")
        batch_op.drop_index("ix_service_reminders_status_due")
        batch_op.drop_index("ix_service_reminders_due")
        batch_op.drop_index(batch_op.f("ix_service_reminders_customer_id"))

    op.drop_table("service_reminders")
    op.drop_table("service_intervals")
    with op.batch_alter_table("reminder_sends", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_sends_reminder_id"))

    op.drop_table("reminder_sends")
    with op.batch_alter_table("known_work_addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_work_addresses_customer_id"))

    op.drop_table("known_work_addresses")
    op.drop_table("known_customers")
    with op.batch_alter_table("known_assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_assets_asset_group_id"))

    op.drop_table("known_assets")
