"""service plans and contracts"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0002"
down_revision = "0001"

ID = sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "service_plans",
        *columns.record_keys(),
        columns.version(),
        columns.string("name", 200),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        columns.string("billing_frequency", 16),
        sa.Column("visits_per_year", sa.Integer(), nullable=False),
        sa.Column("sla_response_hours", sa.Integer(), nullable=True),
        sa.Column("covers", sa.Text(), nullable=True),
        *columns.timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_service_plans_name"),
    )
    op.create_table(
        "contracts",
        *columns.record_keys(customer=True),
        columns.version(),
        sa.Column("plan_id", ID, nullable=False),
        columns.string("plan_name", 200),
        sa.Column("sla_response_hours", sa.Integer(), nullable=True),
        columns.string("status", 16),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        columns.flag("auto_renew"),
        sa.Column("term", sa.Integer(), nullable=False),
        sa.Column("work_address_ids", sa.JSON(), nullable=False),
        sa.Column("asset_ids", sa.JSON(), nullable=False),
        columns.string("cancel_reason", 500, nullable=True),
        columns.utc_datetime("cancelled_at", nullable=True),
        columns.string("cancelled_by", 200, nullable=True),
        columns.utc_datetime("renewed_at", nullable=True),
        *columns.timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.Index("ix_contracts_tenant_customer_timeline", "tenant_id", "customer_id", "created_at", "id"),
        sa.Index("ix_contracts_tenant_end", "tenant_id", "end_date"),
        sa.Index("ix_contracts_status_end", "status", "end_date"),
    )


def downgrade() -> None:
    op.drop_table("contracts")
    op.drop_table("service_plans")
