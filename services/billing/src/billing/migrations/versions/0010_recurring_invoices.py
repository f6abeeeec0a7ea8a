"""recurring invoices: the schedules (recurring_invoices, recurring_invoice_lines), and on invoices
the schedule and period each was raised for, unique per (recurring_invoice_id, period_start) so a
period is invoiced once whatever the workers do
"""

import sqlalchemy as sa
from alembic import op

from billing.migrations import documents
from fieldbook_shared.migrations import columns

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "recurring_invoices",
        *columns.record_keys(customer=True),
        columns.record_id("contract_id", nullable=True),
        columns.version(),
        columns.string("frequency", 16),
        columns.string("status", 16),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("next_period", sa.Integer(), nullable=False),
        sa.Column("next_date", sa.Date(), nullable=True),
        columns.string("description", 500, nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        columns.record_id("work_address_id", nullable=True),
        sa.Column("retention_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        columns.flag("draft"),
        sa.Column("invoices_raised", sa.Integer(), nullable=False),
        columns.record_id("last_invoice_id", nullable=True),
        sa.Column("last_invoice_number", sa.Integer(), nullable=True),
        columns.string("last_error", 500, nullable=True),
        columns.utc_datetime("retry_at", nullable=True),
        columns.string("created_by", 200, nullable=True),
        *columns.timestamps(),
        *documents.amounts(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_recurring_invoices_tenant_customer",
        "recurring_invoices",
        ["tenant_id", "customer_id", "created_at"],
    )
    op.create_index("ix_recurring_invoices_due", "recurring_invoices", ["status", "next_date"])
    documents.create_lines_table("recurring_invoice_lines", "recurring_invoice_id", "recurring_invoices")
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.add_column(columns.record_id("recurring_invoice_id", nullable=True))
        batch_op.add_column(sa.Column("period_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("period_end", sa.Date(), nullable=True))
        batch_op.create_unique_constraint(
            "uq_invoices_recurring_period", ["recurring_invoice_id", "period_start"]
        )


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.drop_constraint("uq_invoices_recurring_period", type_="unique")
        batch_op.drop_column("period_end")
        batch_op.drop_column("period_start")
        batch_op.drop_column("recurring_invoice_id")
    op.drop_table("recurring_invoice_lines")
    op.drop_table("recurring_invoices")
