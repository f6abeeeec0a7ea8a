"""Staging tables for set-based bulk work (imports): a temporary table filled with COPY.

    stage = staging_table("import_sites", Column("row_number", Integer), Column("name", String))
    with uow:
        create_staging(uow.session, stage)
        copy_rows(uow.session, stage, rows)  # COPY on PostgreSQL, one executemany elsewhere
        uow.session.execute(insert(target).from_select(..., select(stage.c...)))

The table is temporary (this connection only, so two workers never see each other's rows) and is
dropped again by `drop_staging` or, on PostgreSQL, by a rollback. SQLite runs the same statements;
only the filling differs, because COPY is PostgreSQL's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import JSON, Column, MetaData, Table, insert, text
from sqlalchemy.orm import Session

_json = json.JSONEncoder().encode


def staging_table(name: str, *columns: Column) -> Table:
    """A temporary table's definition (its own metadata: never part of a service's schema)."""
    return Table(name, MetaData(), *columns, prefixes=["TEMPORARY"])


def create_staging(session: Session, table: Table) -> None:
    """Create `table` in this transaction's connection; one left over on it (SQLite keeps a
    temporary table past a rollback) is dropped first."""
    drop_staging(session, table)
    table.create(session.connection())


def drop_staging(session: Session, table: Table) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {table.name}"))


def copy_rows(session: Session, table: Table, rows: Iterable[Sequence]) -> None:
    """Fill `table` with `rows` (tuples in the table's column order; dicts for JSON columns).

    PostgreSQL: COPY … FROM STDIN through the session's own connection (same transaction).
    Elsewhere: one INSERT with executemany."""
    columns = list(table.columns)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        json_at = [i for i, c in enumerate(columns) if isinstance(c.type, JSON)]
        names = ", ".join(c.name for c in columns)
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                if json_at:
                    row = list(row)
                    # the JSON text as psycopg's Json would write it (json.dumps), from one encoder:
                    # a Json adapter per value cost more than the rest of the COPY; None as JSON
                    # null, as SQLAlchemy's JSON type writes it
                    for i in json_at:
                        row[i] = _json(row[i])
                copy.write_row(row)
        return
    keys = [c.key for c in columns]
    values = [dict(zip(keys, row, strict=True)) for row in rows]
    if values:
        session.execute(insert(table), values)
