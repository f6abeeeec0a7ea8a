"""invoices / credit_notes / payments.sage_id: the document's id in Sage once accounting-sync posted
it (accounting.document_posted)
"""

from alembic import op

from fieldbook_shared.migrations import columns

revision = "0009"
down_revision = "0008"

TABLES = ("invoices", "credit_notes", "payments")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(columns.string("sage_id", 64, nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("sage_id")
