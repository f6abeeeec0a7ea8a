"""document_settings: one row per tenant with what its invoices, quotes and credit notes print
(business name, address, VAT number, bank details, terms, footer, logo)
"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "document_settings",
        sa.Column("tenant_id", sa.String(length=64), primary_key=True),
        columns.version(),
        columns.string("business_name", 200, nullable=True),
        sa.Column("address_lines", sa.JSON(), nullable=False),
        columns.string("phone", 50, nullable=True),
        columns.string("email", 254, nullable=True),
        columns.string("website", 200, nullable=True),
        columns.string("vat_number", 32, nullable=True),
        columns.string("company_number", 32, nullable=True),
        columns.string("bank_name", 100, nullable=True),
        columns.string("bank_account_name", 100, nullable=True),
        columns.string("bank_sort_code", 16, nullable=True),
        columns.string("bank_account_number", 34, nullable=True),
        columns.string("iban", 34, nullable=True),
        columns.string("bic", 11, nullable=True),
        sa.Column("terms", sa.Text(), nullable=True),
        sa.Column("footer", sa.Text(), nullable=True),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        columns.string("logo_media_type", 32, nullable=True),
        columns.string("updated_by", 200, nullable=True),
        columns.utc_datetime("updated_at"),
    )


def downgrade() -> None:
    op.drop_table("document_settings")
