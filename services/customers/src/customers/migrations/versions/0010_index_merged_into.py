"""customers: an index on (tenant_id, merged_into_id)

Deleting or erasing a customer looks up the customers merged into it (and into those, level by
level); without this index each level read every customer of the tenant.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 02:40:00
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_customers_tenant_merged_into", "customers", ["tenant_id", "merged_into_id"])


def downgrade() -> None:
    op.drop_index("ix_customers_tenant_merged_into", table_name="customers")
