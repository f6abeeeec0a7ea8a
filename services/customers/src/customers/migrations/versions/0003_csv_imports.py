"""csv imports"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "imports",
        *columns.record_keys(),
        columns.string("kind", 32),
        columns.string("status", 16),
        columns.string("filename", 255, nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        columns.string("encoding", 32),
        columns.string("delimiter", 1),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("sample_rows", sa.JSON(), nullable=False),
        sa.Column("suggested_mapping", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=True),
        columns.string("match_key", 32, nullable=True),
        columns.flag("dry_run"),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("processed_rows", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("unchanged_count", sa.Integer(), nullable=False),
        sa.Column("refused_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        *columns.job_progress(queued=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_imports_status", "imports", ["status"])
    op.create_index("ix_imports_tenant_created", "imports", ["tenant_id", "created_at"])
    op.create_table(
        "import_chunks",
        *columns.file_chunks("import_id", "imports"),
    )
    op.create_table(
        "import_issues",
        columns.serial_id(),
        columns.record_id("import_id"),
        columns.tenant_id(),
        sa.Column("row_number", sa.Integer(), nullable=False),
        columns.string("kind", 16),
        columns.string("field", 100, nullable=True),
        columns.string("csv_column", 200, nullable=True),
        columns.string("reason", 500),
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
