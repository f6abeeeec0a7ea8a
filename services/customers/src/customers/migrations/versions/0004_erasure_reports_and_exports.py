"""erasure reports and exports"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "erasure_reports",
        columns.serial_id(),
        columns.tenant_id(),
        columns.record_id("customer_id"),
        columns.string("service", 50),
        sa.Column("actions", sa.JSON(), nullable=False),
        columns.utc_datetime("reported_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "tenant_id", "customer_id", "service", name="uq_erasure_reports_customer_service"
        ),
    )
    op.create_table(
        "exports",
        *columns.record_keys(),
        columns.string("kind", 32),
        columns.string("status", 16),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        *columns.job_progress(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_exports_status", "exports", ["status"])
    op.create_index("ix_exports_tenant_created", "exports", ["tenant_id", "created_at"])
    op.create_table(
        "export_chunks",
        *columns.file_chunks("export_id", "exports"),
    )


def downgrade() -> None:
    op.drop_table("export_chunks")
    op.drop_table("exports")
    op.drop_table("erasure_reports")
