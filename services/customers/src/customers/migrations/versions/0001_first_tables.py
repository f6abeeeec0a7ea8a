"""first tables: customers, contacts, branches, work addresses, tenant settings; trigram indexes
for search on PostgreSQL
"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)


def upgrade() -> None:
    op.create_table(
        "custom_field_definitions",
        *columns.record_keys(),
        columns.string("key", 64),
        columns.string("label", 200),
        columns.string("field_type", 16),
        sa.Column("choices", sa.JSON(), nullable=False),
        columns.flag("required"),
        columns.created_at(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "key", name="uq_custom_fields_tenant_key"),
    )
    op.create_table(
        "customer_types",
        *columns.record_keys(),
        columns.string("name", 50),
        columns.string("label", 200),
        sa.Column("required_fields", sa.JSON(), nullable=False),
        columns.created_at(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_customer_types_tenant_name"),
    )
    op.create_table(
        "customers",
        *columns.record_keys(),
        columns.version(),
        columns.string("type", 50),
        *columns.person_name(),
        columns.string("company_name", 200, nullable=True),
        columns.string("display_name", 300),
        columns.string("sort_name", 300),
        columns.string("business_type", 100, nullable=True),
        columns.string("email", 254, nullable=True),
        columns.string("phone", 40, nullable=True),
        columns.string("phone_digits", 40, nullable=True),
        columns.string("status", 16),
        columns.flag("blocked"),
        columns.string("block_reason", 500, nullable=True),
        columns.utc_datetime("blocked_at", nullable=True),
        columns.string("blocked_by", 200, nullable=True),
        columns.money("credit_limit", nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=True),
        columns.string("account_manager", 200, nullable=True),
        columns.string("advertising_source", 200, nullable=True),
        columns.string("price_book", 200, nullable=True),
        columns.string("invoice_address_format", 500, nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.Column("communication_preferences", sa.JSON(), nullable=False),
        columns.string("accounts_ref", 8, nullable=True),
        columns.money("accounts_balance", nullable=True),
        columns.utc_datetime("accounts_balance_as_of", nullable=True),
        *columns.timestamps(),
        *columns.address(),
        columns.string("postcode_compact", 16, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customers_tenant_accounts_ref", "customers", ["tenant_id", "accounts_ref"])
    op.create_index("ix_customers_tenant_created", "customers", ["tenant_id", "created_at"])
    op.create_index("ix_customers_tenant_name", "customers", ["tenant_id", "sort_name"])
    op.create_index("ix_customers_tenant_postcode", "customers", ["tenant_id", "postcode_compact"])
    op.create_table(
        "contacts",
        *columns.record_keys(customer=True),
        columns.version(),
        *columns.person_name(surname_required=True),
        columns.string("position", 100, nullable=True),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("phone_digits", sa.Text(), nullable=True),
        columns.string("email", 254, nullable=True),
        sa.Column("urls", sa.JSON(), nullable=False),
        columns.flag("is_primary"),
        columns.flag("archived"),
        sa.Column("communication_preferences", sa.JSON(), nullable=False),
        *columns.timestamps(),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contacts_customer", "contacts", ["customer_id"])
    op.create_index("ix_contacts_tenant_id", "contacts", ["tenant_id"])
    op.create_index(
        "uq_contacts_one_primary",
        "contacts",
        ["customer_id"],
        unique=True,
        postgresql_where=sa.text("is_primary"),
        sqlite_where=sa.text("is_primary"),
    )
    op.create_table(
        "work_addresses",
        *columns.record_keys(customer=True),
        columns.version(),
        columns.string("name", 200, nullable=True),
        columns.string("status", 16),
        sa.Column("landlord", sa.JSON(), nullable=True),
        sa.Column("occupier", sa.JSON(), nullable=True),
        *columns.timestamps(),
        *columns.address(),
        columns.string("postcode_compact", 16, nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_work_addresses_customer_id", "work_addresses", ["customer_id"])
    op.create_index("ix_work_addresses_tenant_id", "work_addresses", ["tenant_id"])
    op.create_table(
        "branches",
        *columns.record_keys(customer=True),
        columns.version(),
        columns.string("name", 200),
        columns.string("code", 50, nullable=True),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("emails", sa.JSON(), nullable=False),
        columns.record_id("default_contact_id", nullable=True),
        *columns.timestamps(),
        *columns.address(),
        columns.string("postcode_compact", 16, nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["default_contact_id"], ["contacts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", "code", name="uq_branches_customer_code"),
    )
    op.create_index("ix_branches_customer_id", "branches", ["customer_id"])
    op.create_index("ix_branches_tenant_id", "branches", ["tenant_id"])

    if op.get_bind().dialect.name == "postgresql":
        # search is ILIKE '%term%': pg_trgm's GIN indexes serve it at a million customers
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, column in TRIGRAM_INDEXES:
            op.execute(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} USING gin ({column} gin_trgm_ops)")


TRIGRAM_INDEXES = (
    ("customers", "display_name"),
    ("customers", "company_name"),
    ("customers", "address_line_1"),
    ("customers", "town"),
    ("customers", "email"),
    ("customers", "postcode_compact"),
    ("customers", "phone_digits"),
    ("customers", "accounts_ref"),
    ("contacts", "surname"),
    ("contacts", "first_name"),
    ("contacts", "email"),
    ("contacts", "phone_digits"),
)


def downgrade() -> None:
    op.drop_table("branches")
    op.drop_table("work_addresses")
    op.drop_table("contacts")
    op.drop_table("customers")
    op.drop_table("customer_types")
    op.drop_table("custom_field_definitions")
