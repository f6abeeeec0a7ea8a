"""What the kit-branch tests share: each service's migrations and a database's schema as data."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import warnings
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Inspector

# Every service with the kit's tables (all but the gateway), at two revisions a database made before
# the kit branch may be at: its head then, and the one before it added the processed_at index (which
# kit_0002 makes now).
BEFORE_THE_INDEX = {
    "customers": "0005",
    "billing": "0001",
    "comms": "0002",
    "assets": "0001",
    "accounting_sync": "0003",
}
HEADS = {"customers": "0010", "billing": "0005", "comms": "0005", "assets": "0002", "accounting_sync": "0007"}


def migrations_of(package: str) -> Path:
    return Path(str(importlib.resources.files(package) / "migrations"))


def schema_of(url: str) -> dict[str, Any]:
    """Tables, columns, keys and indexes as the database reports them (alembic_version aside)."""
    engine = create_engine(url)
    try:
        with warnings.catch_warnings():
            # SQLite cannot reflect an index on an expression (customers' lower(email)): left out
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            insp = inspect(engine)
            return {
                table: _table(insp, table)
                for table in sorted(set(insp.get_table_names()) - {"alembic_version"})
            }
    finally:
        engine.dispose()


def _table(insp: Inspector, table: str) -> dict[str, Any]:
    return {
        "columns": [
            [c["name"], str(c["type"]), c["nullable"], str(c.get("default"))] for c in insp.get_columns(table)
        ],
        "primary_key": insp.get_pk_constraint(table)["constrained_columns"],
        "indexes": sorted(
            json.dumps(
                [i["name"], i["column_names"], i.get("expressions"), bool(i["unique"])]
                + [i.get("dialect_options", {})],  # GIN and trigram classes; partial indexes
                sort_keys=True,
                default=str,
            )
            for i in insp.get_indexes(table)
        ),
        "unique": sorted([u["name"], u["column_names"]] for u in insp.get_unique_constraints(table)),
        "foreign_keys": sorted(
            [f["constrained_columns"], f["referred_table"], f["referred_columns"], f["options"]]
            for f in insp.get_foreign_keys(table)
        ),
    }


def fingerprint(schema: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()


def versions_of(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as db:
            return set(db.execute(text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()
