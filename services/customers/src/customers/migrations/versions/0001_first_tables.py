"""first tables: customers, contacts, branches, work addresses, tenant settings; trigram indexes
for search on PostgreSQL
"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db
from fieldbook_shared.migrations.columns import address, person_name, record_keys, timestamps

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)


def upgrade() -> None:
    op.create_table(
        "custom_field_definitions",
        *record_keys(),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("field_type", sa.String(length=16), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "key", name="uq_custom_fields_tenant_key"),
    )
    op.create_table(
        "customer_types",
        *record_keys(),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("required_fields", sa.JSON(), nullable=False),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_customer_types_tenant_name"),
    )
    op.create_table(
        "customers",
        *record_keys(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        *person_name(),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("display_name", sa.String(length=300), nullable=False),
        sa.Column("sort_name", sa.String(length=300), nullable=False),
        sa.Column("business_type", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("phone_digits", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("block_reason", sa.String(length=500), nullable=True),
        sa.Column("blocked_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("blocked_by", sa.String(length=200), nullable=True),
        sa.Column("credit_limit", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=True),
        sa.Column("account_manager", sa.String(length=200), nullable=True),
        sa.Column("advertising_source", sa.String(length=200), nullable=True),
        sa.Column("price_book", sa.String(length=200), nullable=True),
        sa.Column("invoice_address_format", sa.String(length=500), nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.Column("communication_preferences", sa.JSON(), nullable=False),
        sa.Column("accounts_ref", sa.String(length=8), nullable=True),
        sa.Column("accounts_balance", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("accounts_balance_as_of", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        *timestamps(),
        *address(),
        sa.Column("postcode_compact", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customers_tenant_accounts_ref", "customers", ["tenant_id", "accounts_ref"])
    op.create_index("ix_customers_tenant_created", "customers", ["tenant_id", "created_at"])
    op.create_index("ix_customers_tenant_name", "customers", ["tenant_id", "sort_name"])
    op.create_index("ix_customers_tenant_postcode", "customers", ["tenant_id", "postcode_compact"])
    op.create_table(
        "contacts",
        *record_keys(customer=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *person_name(surname_required=True),
        sa.Column("position", sa.String(length=100), nullable=True),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("phone_digits", sa.Text(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("urls", sa.JSON(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("communication_preferences", sa.JSON(), nullable=False),
        *timestamps(),
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
        *record_keys(customer=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("landlord", sa.JSON(), nullable=True),
        sa.Column("occupier", sa.JSON(), nullable=True),
        *timestamps(),
        *address(),
        sa.Column("postcode_compact", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_work_addresses_customer_id", "work_addresses", ["customer_id"])
    op.create_index("ix_work_addresses_tenant_id", "work_addresses", ["tenant_id"])
    op.create_table(
        "branches",
        *record_keys(customer=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=True),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("emails", sa.JSON(), nullable=False),
        sa.Column("default_contact_id", sa.String(length=36), nullable=True),
        *timestamps(),
        *address(),
        sa.Column("postcode_compact", sa.String(length=16), nullable=True),
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
