"""users, user_sessions: people who log in to the console"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), primary_key=True),
        columns.foreign_id("tenant_id", "tenants"),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        columns.string("name", 200),
        columns.string("role", 20),
        columns.string("password_hash", 200),
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        columns.utc_datetime("locked_until", nullable=True),
        columns.created_at(),
        columns.utc_datetime("disabled_at", nullable=True),
    )
    op.create_index("ix_users_tenant_id", "users", ["tenant_id"])
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        columns.foreign_id("user_id", "users"),
        columns.created_at(),
        columns.utc_datetime("expires_at"),
        columns.utc_datetime("ended_at", nullable=True),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_index("ix_users_tenant_id", table_name="users")
    op.drop_table("users")
