"""api_keys: scopes, expiry, last use; oauth_clients"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(columns.string("scopes", 500, nullable=True))
        batch.add_column(columns.utc_datetime("expires_at", nullable=True))
        batch.add_column(columns.utc_datetime("last_used_at", nullable=True))
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.String(36), primary_key=True),
        columns.foreign_id("tenant_id", "tenants"),
        columns.string("name", 100),
        columns.string("role", 20),
        columns.string("scopes", 500),
        columns.string("secret_hash", 64),
        columns.created_at(),
        columns.utc_datetime("revoked_at", nullable=True),
    )
    op.create_index("ix_oauth_clients_tenant_id", "oauth_clients", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_oauth_clients_tenant_id", table_name="oauth_clients")
    op.drop_table("oauth_clients")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
        batch.drop_column("scopes")
