"""service plans and contracts"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.db import UTCDateTime
from fieldbook_shared.migrations.columns import record_keys, timestamps

revision = "0002"
down_revision = "0001"

ID = sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "service_plans",
        *record_keys(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        sa.Column("billing_frequency", sa.String(length=16), nullable=False),
        sa.Column("visits_per_year", sa.Integer(), nullable=False),
        sa.Column("sla_response_hours", sa.Integer(), nullable=True),
        sa.Column("covers", sa.Text(), nullable=True),
        *timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_service_plans_name"),
    )
    op.create_table(
        "contracts",
        *record_keys(customer=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("plan_id", ID, nullable=False),
        sa.Column("plan_name", sa.String(length=200), nullable=False),
        sa.Column("sla_response_hours", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("auto_renew", sa.Boolean(), nullable=False),
        sa.Column("term", sa.Integer(), nullable=False),
        sa.Column("work_address_ids", sa.JSON(), nullable=False),
        sa.Column("asset_ids", sa.JSON(), nullable=False),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=200), nullable=True),
        sa.Column("renewed_at", UTCDateTime(timezone=True), nullable=True),
        *timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.Index("ix_contracts_tenant_customer_timeline", "tenant_id", "customer_id", "created_at", "id"),
        sa.Index("ix_contracts_tenant_end", "tenant_id", "end_date"),
        sa.Index("ix_contracts_status_end", "status", "end_date"),
    )


def downgrade() -> None:
    op.drop_table("contracts")
    op.drop_table("service_plans")
