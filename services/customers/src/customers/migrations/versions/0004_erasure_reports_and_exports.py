"""erasure reports and exports"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db  # noqa: F401  (column types of the kit)
from fieldbook_shared.migrations.columns import file_chunks, job_progress, record_keys, serial_id

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "erasure_reports",
        serial_id(),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("service", sa.String(length=50), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("reported_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "tenant_id", "customer_id", "service", name="uq_erasure_reports_customer_service"
        ),
    )
    op.create_table(
        "exports",
        *record_keys(),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        *job_progress(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_exports_status", "exports", ["status"])
    op.create_index("ix_exports_tenant_created", "exports", ["tenant_id", "created_at"])
    op.create_table(
        "export_chunks",
        *file_chunks("export_id", "exports"),
    )


def downgrade() -> None:
    op.drop_table("export_chunks")
    op.drop_table("exports")
    op.drop_table("erasure_reports")
