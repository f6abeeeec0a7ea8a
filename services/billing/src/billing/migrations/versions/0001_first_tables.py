"""first tables: customer and work address snapshots, counters, quotes, jobs, invoices, credit notes, payments, allocations, the ledger, cards, statements"""

import sqlalchemy as sa
from alembic import op

from billing.migrations import documents
from fieldbook_shared.migrations import columns

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)


def upgrade() -> None:
    op.create_table(
        "allocations",
        *columns.record_keys(customer=True),
        columns.string("source_type", 16),
        columns.record_id("source_id"),
        columns.record_id("invoice_id"),
        columns.money("amount"),
        sa.Column("allocated_on", sa.Date(), nullable=False),
        columns.created_at(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_allocations_source_id", "allocations", ["source_id"])
    op.create_index("ix_allocations_tenant_invoice", "allocations", ["tenant_id", "invoice_id"])
    op.create_table(
        "counters",
        columns.tenant_id(),
        columns.string("name", 32),
        sa.Column("next_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "name"),
    )
    op.create_table(
        "credit_notes",
        *columns.record_keys(customer=True),
        sa.Column("number", sa.Integer(), nullable=False),
        columns.record_id("invoice_id", nullable=True),
        columns.string("description", 500),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("credit_date", sa.Date(), nullable=False),
        columns.string("breakdown", 24),
        columns.created_at(),
        *documents.amounts(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_credit_notes_tenant_number"),
    )
    op.create_index("ix_credit_notes_tenant_customer", "credit_notes", ["tenant_id", "customer_id"])
    op.create_table(
        "customer_snapshots",
        columns.tenant_id(),
        columns.record_id("id"),
        columns.version(),
        columns.string("type", 50, nullable=True),
        columns.string("display_name", 300),
        columns.string("company_name", 200, nullable=True),
        columns.string("email", 254, nullable=True),
        columns.string("status", 16),
        columns.flag("blocked"),
        columns.string("block_reason", 500, nullable=True),
        columns.money("credit_limit", nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=True),
        columns.string("invoice_address_format", 500, nullable=True),
        columns.flag("deleted"),
        columns.utc_datetime("updated_at"),
        *columns.address(),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
    )
    op.create_table(
        "invoices",
        *columns.record_keys(customer=True),
        sa.Column("number", sa.Integer(), nullable=False),
        columns.version(),
        columns.string("status", 16),
        columns.string("description", 500, nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        columns.record_id("job_id", nullable=True),
        sa.Column("job_ids", sa.JSON(), nullable=False),
        columns.flag("consolidated"),
        columns.record_id("work_address_id", nullable=True),
        sa.Column("invoice_address", sa.Text(), nullable=True),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("retention_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        columns.money("retention_amount"),
        *columns.timestamps(),
        columns.utc_datetime("issued_at", nullable=True),
        columns.utc_datetime("voided_at", nullable=True),
        *documents.amounts(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_invoices_tenant_number"),
    )
    op.create_index(
        "ix_invoices_tenant_customer_date", "invoices", ["tenant_id", "customer_id", "invoice_date"]
    )
    op.create_table(
        "jobs",
        *columns.record_keys(customer=True),
        sa.Column("number", sa.Integer(), nullable=False),
        columns.version(),
        columns.record_id("quote_id", nullable=True),
        columns.string("description", 500, nullable=True),
        columns.string("status", 20),
        columns.utc_datetime("scheduled_start", nullable=True),
        columns.utc_datetime("scheduled_end", nullable=True),
        columns.string("engineer", 200, nullable=True),
        columns.string("priority", 20, nullable=True),
        columns.string("category", 100, nullable=True),
        columns.record_id("work_address_id", nullable=True),
        columns.record_id("asset_id", nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        columns.money("total"),
        columns.record_id("invoice_id", nullable=True),
        *columns.timestamps(),
        columns.utc_datetime("completed_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_jobs_tenant_number"),
    )
    op.create_index("ix_jobs_tenant_customer_created", "jobs", ["tenant_id", "customer_id", "created_at"])
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        columns.tenant_id(),
        columns.record_id("customer_id"),
        sa.Column("entry_date", sa.Date(), nullable=False),
        columns.string("kind", 24),
        columns.record_id("document_id"),
        columns.string("reference", 200),
        columns.money("amount"),
        columns.record_id("invoice_id", nullable=True),
        columns.money("invoice_delta"),
        columns.record_id("source_id", nullable=True),
        columns.string("source_type", 16, nullable=True),
        columns.money("source_delta"),
        sa.Column("due_date", sa.Date(), nullable=True),
        columns.created_at(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_ledger_tenant_customer_date", "ledger_entries", ["tenant_id", "customer_id", "entry_date"]
    )
    op.create_index("ix_ledger_tenant_invoice", "ledger_entries", ["tenant_id", "invoice_id"])
    op.create_index("ix_ledger_tenant_source", "ledger_entries", ["tenant_id", "source_id"])
    op.create_table(
        "payments",
        *columns.record_keys(customer=True),
        columns.string("kind", 16),
        columns.string("method", 32),
        columns.string("reference", 200, nullable=True),
        columns.string("nominal_account", 64, nullable=True),
        columns.money("amount"),
        sa.Column("received_on", sa.Date(), nullable=False),
        columns.version(),
        columns.string("created_by", 200, nullable=True),
        columns.created_at(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payments_tenant_customer", "payments", ["tenant_id", "customer_id"])
    op.create_table(
        "quotes",
        *columns.record_keys(customer=True),
        sa.Column("number", sa.Integer(), nullable=False),
        columns.version(),
        columns.string("status", 16),
        columns.string("description", 500, nullable=True),
        columns.record_id("work_address_id", nullable=True),
        columns.record_id("job_id", nullable=True),
        columns.string("created_by", 200, nullable=True),
        *columns.timestamps(),
        columns.utc_datetime("converted_at", nullable=True),
        *documents.amounts(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_quotes_tenant_number"),
    )
    op.create_index("ix_quotes_tenant_customer_created", "quotes", ["tenant_id", "customer_id", "created_at"])
    op.create_table(
        "statements",
        *columns.record_keys(customer=True),
        sa.Column("as_at", sa.Date(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        columns.string("created_by", 200, nullable=True),
        columns.created_at(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_statements_tenant_customer", "statements", ["tenant_id", "customer_id"])
    op.create_table(
        "stored_cards",
        *columns.record_keys(customer=True),
        columns.string("provider", 64, nullable=True),
        columns.string("provider_token", 255),
        columns.string("brand", 32),
        columns.string("last4", 4),
        sa.Column("expiry_month", sa.Integer(), nullable=False),
        sa.Column("expiry_year", sa.Integer(), nullable=False),
        columns.string("name_on_card", 200, nullable=True),
        columns.created_at(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cards_tenant_customer", "stored_cards", ["tenant_id", "customer_id"])
    op.create_table(
        "work_address_snapshots",
        columns.tenant_id(),
        columns.record_id("id"),
        columns.record_id("customer_id"),
        columns.version(),
        columns.string("name", 200, nullable=True),
        columns.string("status", 16),
        sa.Column("landlord", sa.JSON(), nullable=True),
        sa.Column("occupier", sa.JSON(), nullable=True),
        *columns.address(),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
    )
    op.create_index("ix_work_address_snapshots_customer_id", "work_address_snapshots", ["customer_id"])
    documents.create_lines_table("credit_note_lines", "credit_note_id", "credit_notes")
    documents.create_lines_table(
        "invoice_lines", "invoice_id", "invoices", columns.record_id("job_id", nullable=True)
    )
    documents.create_lines_table("quote_lines", "quote_id", "quotes")


def downgrade() -> None:
    op.drop_table("quote_lines")
    op.drop_table("invoice_lines")
    op.drop_table("credit_note_lines")
    op.drop_table("work_address_snapshots")
    op.drop_table("stored_cards")
    op.drop_table("statements")
    op.drop_table("quotes")
    op.drop_table("payments")
    op.drop_table("ledger_entries")
    op.drop_table("jobs")
    op.drop_table("invoices")
    op.drop_table("customer_snapshots")
    op.drop_table("credit_notes")
    op.drop_table("counters")
    op.drop_table("allocations")
