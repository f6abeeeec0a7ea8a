"""csv imports"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations.columns import file_chunks, job_progress, record_keys, serial_id

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "imports",
        *record_keys(),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("encoding", sa.String(length=32), nullable=False),
        sa.Column("delimiter", sa.String(length=1), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("sample_rows", sa.JSON(), nullable=False),
        sa.Column("suggested_mapping", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=True),
        sa.Column("match_key", sa.String(length=32), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("processed_rows", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("unchanged_count", sa.Integer(), nullable=False),
        sa.Column("refused_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        *job_progress(queued=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_imports_status", "imports", ["status"])
    op.create_index("ix_imports_tenant_created", "imports", ["tenant_id", "created_at"])
    op.create_table(
        "import_chunks",
        *file_chunks("import_id", "imports"),
    )
    op.create_table(
        "import_issues",
        serial_id(),
        sa.Column("import_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column("csv_column", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_issues_import_row", "import_issues", ["import_id", "row_number"])
    # autogenerate skips expression indexes on SQLite: the import's per-batch email lookups use it
    op.create_index(
        "ix_customers_tenant_email_lower", "customers", ["tenant_id", sa.text("lower(email)")], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_customers_tenant_email_lower", table_name="customers")
    op.drop_table("import_issues")
    op.drop_table("import_chunks")
    op.drop_table("imports")
