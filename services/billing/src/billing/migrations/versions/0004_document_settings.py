"""document_settings: one row per tenant with what its invoices, quotes and credit notes print
(business name, address, VAT number, bank details, terms, footer, logo)
"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "document_settings",
        sa.Column("tenant_id", sa.String(length=64), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("business_name", sa.String(length=200), nullable=True),
        sa.Column("address_lines", sa.JSON(), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("website", sa.String(length=200), nullable=True),
        sa.Column("vat_number", sa.String(length=32), nullable=True),
        sa.Column("company_number", sa.String(length=32), nullable=True),
        sa.Column("bank_name", sa.String(length=100), nullable=True),
        sa.Column("bank_account_name", sa.String(length=100), nullable=True),
        sa.Column("bank_sort_code", sa.String(length=16), nullable=True),
        sa.Column("bank_account_number", sa.String(length=34), nullable=True),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("terms", sa.Text(), nullable=True),
        sa.Column("footer", sa.Text(), nullable=True),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_media_type", sa.String(length=32), nullable=True),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.Column("updated_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("document_settings")
