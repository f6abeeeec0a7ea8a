"""sage_businesses: the Sage business of each tenant"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "sage_businesses",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("business_id", sa.String(length=100), nullable=False),
        sa.Column("updated_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id"),
    )


def downgrade() -> None:
    op.drop_table("sage_businesses")
