"""search: address line 3 and county (with their trigram indexes), UK phones in national form

Search ORs an ILIKE over every searchable column, each served by a pg_trgm GIN index (one column
without one makes PostgreSQL scan every customer instead of combining index scans), so the two
newly searched columns get theirs.

Phones are searched by their digits, now in a UK number's national form ("+44 7700 900123" is
stored and searched as 07700900123, as "07700 900123" is): the digits already stored for numbers
written with +44 or 0044 are rewritten.
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"

COLUMNS = ("address_line_3", "county")


def _search_digits(text: str | None) -> str | None:
    """The rule of `rules.search_digits` as it stood when this migration was written."""
    found = re.sub(r"\D", "", text or "") or None
    if found is None:
        return None
    if text.lstrip().startswith("+44") or found.startswith("0044"):
        national = found.removeprefix("00").removeprefix("44").removeprefix("0")
        return "0" + national if national else found
    return found


def _rewrite_phone_digits() -> None:
    bind = op.get_bind()
    customers = sa.table(
        "customers",
        sa.column("id", sa.String),
        sa.column("phone", sa.String),
        sa.column("phone_digits", sa.String),
    )
    contacts = sa.table(
        "contacts",
        sa.column("id", sa.String),
        sa.column("phones", sa.JSON),
        sa.column("phone_digits", sa.Text),
    )
    # only numbers written with +44 or 0044 change, and their digits start with 44 or 0044: these
    # filters find every row that may change and few others
    starts = ("44%", "0044%")
    rows = bind.execute(
        sa.select(customers.c.id, customers.c.phone).where(
            sa.or_(*[customers.c.phone_digits.like(p) for p in starts])
        )
    ).all()
    _update_in_batches(
        bind, customers, [{"row_id": row.id, "digits": _search_digits(row.phone)} for row in rows]
    )
    rows = bind.execute(
        sa.select(contacts.c.id, contacts.c.phones).where(
            sa.or_(*[contacts.c.phone_digits.like(p) for p in starts + tuple(f"% {p}" for p in starts)])
        )
    ).all()
    changes = []
    for row in rows:
        found = [d for d in (_search_digits(p.get("number")) for p in row.phones or []) if d]
        changes.append({"row_id": row.id, "digits": " ".join(found) or None})
    _update_in_batches(bind, contacts, changes)


def _update_in_batches(bind, table, changes: list[dict], size: int = 1000) -> None:
    """phone_digits of many rows, a statement executed for a batch of parameters at a time
    (executemany: one round trip per batch, not per row)."""
    statement = (
        table.update().where(table.c.id == sa.bindparam("row_id")).values(phone_digits=sa.bindparam("digits"))
    )
    for start in range(0, len(changes), size):
        bind.execute(statement, changes[start : start + size])


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in COLUMNS:
            op.execute(
                f"CREATE INDEX IF NOT EXISTS ix_customers_{column}_trgm"
                f" ON customers USING gin ({column} gin_trgm_ops)"
            )
    _rewrite_phone_digits()


def downgrade() -> None:
    # the phones' digits stay in national form: the earlier search finds them as it found any
    # number written that way
    if op.get_bind().dialect.name == "postgresql":
        for column in COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_customers_{column}_trgm")
