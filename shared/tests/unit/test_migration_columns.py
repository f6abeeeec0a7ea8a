"""The kit's column helpers for migration scripts make exactly the columns the scripts once spelled
out: a script that has run somewhere must keep making the same schema, so what they return never
changes (a different column is a new helper)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable

from fieldbook_shared.migrations import columns


def ddl(*items: sa.schema.SchemaItem, on_sqlite: bool = False) -> str:
    """The CREATE TABLE of a table of `items`, on PostgreSQL (or SQLite), on one line."""
    dialect = sqlite.dialect() if on_sqlite else postgresql.dialect()
    metadata = sa.MetaData()
    sa.Table("tenants", metadata, sa.Column("id", sa.String(36), primary_key=True))
    table = sa.Table("t", metadata, *items)
    return " ".join(str(CreateTable(table).compile(dialect=dialect)).split())


def test_each_helper_makes_the_column_spelled_out_before():
    assert ddl(
        columns.record_id("id"),
        columns.record_id("invoice_id", nullable=True),
        columns.tenant_id(),
        columns.version(),
        columns.string("name", 200),
        columns.string("code", 50, nullable=True),
        columns.flag("removed"),
        columns.money("total"),
        columns.money("credit_limit", nullable=True),
        columns.utc_datetime("sent_at", nullable=True),
        columns.created_at(),
        columns.foreign_id("user_id", "tenants"),
    ) == (
        "CREATE TABLE t ( id VARCHAR(36) NOT NULL, invoice_id VARCHAR(36), tenant_id VARCHAR(64) NOT NULL, "
        "version INTEGER NOT NULL, name VARCHAR(200) NOT NULL, code VARCHAR(50), removed BOOLEAN NOT NULL, "
        "total NUMERIC(12, 2) NOT NULL, credit_limit NUMERIC(12, 2), sent_at TIMESTAMP WITH TIME ZONE, "
        "created_at TIMESTAMP WITH TIME ZONE NOT NULL, user_id VARCHAR(36) NOT NULL, "
        "FOREIGN KEY(user_id) REFERENCES tenants (id) )"
    )


def test_the_sets_keep_their_columns_and_order():
    assert ddl(*columns.record_keys(customer=True), *columns.timestamps(), on_sqlite=True) == (
        "CREATE TABLE t ( id VARCHAR(36) NOT NULL, tenant_id VARCHAR(64) NOT NULL, "
        "customer_id VARCHAR(36) NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL )"
    )
