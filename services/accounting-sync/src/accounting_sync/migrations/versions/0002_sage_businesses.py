"""sage_businesses: the Sage business of each tenant"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "sage_businesses",
        columns.tenant_id(),
        columns.string("business_id", 100),
        columns.utc_datetime("updated_at"),
        columns.string("updated_by", 200, nullable=True),
        sa.PrimaryKeyConstraint("tenant_id"),
    )


def downgrade() -> None:
    op.drop_table("sage_businesses")
