"""first tables: customer and work address snapshots, counters, quotes, jobs, invoices, credit notes, payments, allocations, the ledger, cards, statements"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db  # noqa: F401  (column types of the kit)
from fieldbook_shared.migrations.columns import address, record_keys, timestamps

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)


def amounts() -> list[sa.Column]:
    """A document's or a line's money: net, VAT and total."""
    return [
        sa.Column("net", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("vat", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=12, scale=2), nullable=False),
    ]


def document_line() -> list[sa.Column]:
    """What a quote's, an invoice's and a credit note's lines hold."""
    return [
        *record_keys(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("vat_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        *amounts(),
    ]


def upgrade() -> None:
    op.create_table(
        "allocations",
        *record_keys(customer=True),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("allocated_on", sa.Date(), nullable=False),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_allocations_source_id", "allocations", ["source_id"])
    op.create_index("ix_allocations_tenant_invoice", "allocations", ["tenant_id", "invoice_id"])
    op.create_table(
        "counters",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("next_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "name"),
    )
    op.create_table(
        "credit_notes",
        *record_keys(customer=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("credit_date", sa.Date(), nullable=False),
        sa.Column("breakdown", sa.String(length=24), nullable=False),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        *amounts(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_credit_notes_tenant_number"),
    )
    op.create_index("ix_credit_notes_tenant_customer", "credit_notes", ["tenant_id", "customer_id"])
    op.create_table(
        "customer_snapshots",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=True),
        sa.Column("display_name", sa.String(length=300), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("block_reason", sa.String(length=500), nullable=True),
        sa.Column("credit_limit", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=True),
        sa.Column("invoice_address_format", sa.String(length=500), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        *address(),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
    )
    op.create_table(
        "invoices",
        *record_keys(customer=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("job_ids", sa.JSON(), nullable=False),
        sa.Column("consolidated", sa.Boolean(), nullable=False),
        sa.Column("work_address_id", sa.String(length=36), nullable=True),
        sa.Column("invoice_address", sa.Text(), nullable=True),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("retention_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("retention_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        *timestamps(),
        sa.Column("issued_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("voided_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        *amounts(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_invoices_tenant_number"),
    )
    op.create_index(
        "ix_invoices_tenant_customer_date", "invoices", ["tenant_id", "customer_id", "invoice_date"]
    )
    op.create_table(
        "jobs",
        *record_keys(customer=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.String(length=36), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("scheduled_start", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("scheduled_end", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("engineer", sa.String(length=200), nullable=True),
        sa.Column("priority", sa.String(length=20), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("work_address_id", sa.String(length=36), nullable=True),
        sa.Column("asset_id", sa.String(length=36), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=True),
        *timestamps(),
        sa.Column("completed_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_jobs_tenant_number"),
    )
    op.create_index("ix_jobs_tenant_customer_created", "jobs", ["tenant_id", "customer_id", "created_at"])
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=True),
        sa.Column("invoice_delta", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=True),
        sa.Column("source_type", sa.String(length=16), nullable=True),
        sa.Column("source_delta", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_ledger_tenant_customer_date", "ledger_entries", ["tenant_id", "customer_id", "entry_date"]
    )
    op.create_index("ix_ledger_tenant_invoice", "ledger_entries", ["tenant_id", "invoice_id"])
    op.create_index("ix_ledger_tenant_source", "ledger_entries", ["tenant_id", "source_id"])
    op.create_table(
        "payments",
        *record_keys(customer=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("nominal_account", sa.String(length=64), nullable=True),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payments_tenant_customer", "payments", ["tenant_id", "customer_id"])
    op.create_table(
        "quotes",
        *record_keys(customer=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("work_address_id", sa.String(length=36), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        *timestamps(),
        sa.Column("converted_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        *amounts(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_quotes_tenant_number"),
    )
    op.create_index("ix_quotes_tenant_customer_created", "quotes", ["tenant_id", "customer_id", "created_at"])
    op.create_table(
        "statements",
        *record_keys(customer=True),
        sa.Column("as_at", sa.Date(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_statements_tenant_customer", "statements", ["tenant_id", "customer_id"])
    op.create_table(
        "stored_cards",
        *record_keys(customer=True),
        sa.Column("provider", sa.String(length=64), nullable=True),
        sa.Column("provider_token", sa.String(length=255), nullable=False),
        sa.Column("brand", sa.String(length=32), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("expiry_month", sa.Integer(), nullable=False),
        sa.Column("expiry_year", sa.Integer(), nullable=False),
        sa.Column("name_on_card", sa.String(length=200), nullable=True),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cards_tenant_customer", "stored_cards", ["tenant_id", "customer_id"])
    op.create_table(
        "work_address_snapshots",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("landlord", sa.JSON(), nullable=True),
        sa.Column("occupier", sa.JSON(), nullable=True),
        *address(),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
    )
    op.create_index("ix_work_address_snapshots_customer_id", "work_address_snapshots", ["customer_id"])
    op.create_table(
        "credit_note_lines",
        sa.Column("credit_note_id", sa.String(length=36), nullable=False),
        *document_line(),
        sa.ForeignKeyConstraint(["credit_note_id"], ["credit_notes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_credit_note_lines_credit_note_id", "credit_note_lines", ["credit_note_id"])
    op.create_table(
        "invoice_lines",
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        *document_line(),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_invoice_lines_invoice_id", "invoice_lines", ["invoice_id"])
    op.create_table(
        "quote_lines",
        sa.Column("quote_id", sa.String(length=36), nullable=False),
        *document_line(),
        sa.ForeignKeyConstraint(["quote_id"], ["quotes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_quote_lines_quote_id", "quote_lines", ["quote_id"])


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
