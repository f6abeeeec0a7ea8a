"""trigram index on customers.address_line_2

Search ORs an ILIKE over every searchable column; one column without a trigram index (this one)
made PostgreSQL scan every customer instead of combining index scans.
"""

from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_customers_address_line_2_trgm"
            " ON customers USING gin (address_line_2 gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customers_address_line_2_trgm")
