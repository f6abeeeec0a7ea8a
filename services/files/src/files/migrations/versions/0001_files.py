"""first table: the files' metadata (their bytes are in the blob store)"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db  # noqa: F401  (column types of the kit)
from fieldbook_shared.migrations.columns import record_keys

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)


def upgrade() -> None:
    op.create_table(
        "files",
        *record_keys(customer=True),
        sa.Column("attached_to", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("work_address_id", sa.String(length=36), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_files_tenant_owner", "files", ["tenant_id", "attached_to", "owner_id", "created_at"])
    op.create_index(
        "ix_files_tenant_customer_created", "files", ["tenant_id", "customer_id", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_table("files")
