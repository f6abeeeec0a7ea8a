"""the customer's timeline: an index (tenant_id, customer_id, created_at, id) on quotes, jobs,
invoices, credit notes, payments and refunds, so each table's part is a keyset range scan; it
replaces the indexes it begins with
"""

from alembic import op

revision = "0008"
down_revision = "0007"

COLUMNS = ["tenant_id", "customer_id", "created_at", "id"]
# table → the index the new one replaces (its columns are the new one's first), or None
TABLES = {
    "quotes": ("ix_quotes_tenant_customer_created", ["tenant_id", "customer_id", "created_at"]),
    "jobs": ("ix_jobs_tenant_customer_created", ["tenant_id", "customer_id", "created_at"]),
    "invoices": None,
    "credit_notes": ("ix_credit_notes_tenant_customer", ["tenant_id", "customer_id"]),
    "payments": ("ix_payments_tenant_customer", ["tenant_id", "customer_id"]),
    "refunds": ("ix_refunds_tenant_customer", ["tenant_id", "customer_id"]),
}


def upgrade() -> None:
    for table, replaced in TABLES.items():
        op.create_index(f"ix_{table}_tenant_customer_timeline", table, COLUMNS)
        if replaced:
            op.drop_index(replaced[0], table_name=table)


def downgrade() -> None:
    for table, replaced in TABLES.items():
        if replaced:
            op.create_index(replaced[0], table, replaced[1])
        op.drop_index(f"ix_{table}_tenant_customer_timeline", table_name=table)
