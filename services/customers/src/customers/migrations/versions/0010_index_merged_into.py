"""customers: an index on (tenant_id, merged_into_id)

Deleting or erasing a customer looks up the customers merged into it (and into those, level by
level); without this index each level read every customer of the tenant.
"""

from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_index("ix_customers_tenant_merged_into", "customers", ["tenant_id", "merged_into_id"])


def downgrade() -> None:
    op.drop_index("ix_customers_tenant_merged_into", table_name="customers")
