"""first table: the files' metadata (their bytes are in the blob store)"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)


def upgrade() -> None:
    op.create_table(
        "files",
        *columns.record_keys(customer=True),
        columns.string("attached_to", 16),
        columns.record_id("owner_id"),
        columns.record_id("work_address_id", nullable=True),
        columns.string("filename", 255),
        columns.string("media_type", 100),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        columns.string("sha256", 64),
        columns.string("storage_key", 200),
        columns.string("uploaded_by", 200),
        columns.created_at(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_files_tenant_owner", "files", ["tenant_id", "attached_to", "owner_id", "created_at"])
    op.create_index(
        "ix_files_tenant_customer_created", "files", ["tenant_id", "customer_id", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_table("files")
