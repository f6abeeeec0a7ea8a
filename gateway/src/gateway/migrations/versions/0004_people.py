"""people: the TOTP second factor, login challenges, invitations"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(columns.string("totp_secret", 64, nullable=True))
        batch.add_column(columns.utc_datetime("totp_confirmed_at", nullable=True))
        batch.add_column(
            sa.Column("totp_last_step", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
    op.create_table(
        "login_challenges",
        sa.Column("id", sa.String(64), primary_key=True),
        columns.foreign_id("user_id", "users"),
        columns.utc_datetime("expires_at"),
        columns.utc_datetime("used_at", nullable=True),
    )
    op.create_index("ix_login_challenges_user_id", "login_challenges", ["user_id"])
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(36), primary_key=True),
        columns.foreign_id("tenant_id", "tenants"),
        columns.string("email", 254),
        columns.string("name", 200, nullable=True),
        columns.string("role", 20),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        columns.string("invited_by", 300),
        columns.created_at(),
        columns.utc_datetime("expires_at"),
        columns.utc_datetime("accepted_at", nullable=True),
        columns.foreign_id("user_id", "users", nullable=True),
    )
    op.create_index("ix_invitations_tenant_id", "invitations", ["tenant_id"])
    op.create_index("ix_invitations_email", "invitations", ["email"])


def downgrade() -> None:
    op.drop_index("ix_invitations_email", table_name="invitations")
    op.drop_index("ix_invitations_tenant_id", table_name="invitations")
    op.drop_table("invitations")
    op.drop_index("ix_login_challenges_user_id", table_name="login_challenges")
    op.drop_table("login_challenges")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_confirmed_at")
        batch.drop_column("totp_secret")
