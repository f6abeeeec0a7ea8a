"""`columns_added`, the upgrade and downgrade of a revision that adds columns to one table: the
upgrade adds them in order, the downgrade drops those and only those, last first. Scripts that have
run somewhere rely on it doing that and nothing else."""

from __future__ import annotations

import io
from collections.abc import Callable

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from fieldbook_shared.migrations import columns
from fieldbook_shared.migrations.alter import columns_added

upgrade, downgrade = columns_added(
    "quotes",
    columns.string("decided_by", 200, nullable=True),
    sa.Column("answers", sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
)


def statements_of(step: Callable[[], None]) -> list[str]:
    """What `step` sends to PostgreSQL (Alembic's offline mode), a statement a line."""
    out = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": out}
    )
    with Operations.context(context):
        step()
    return [" ".join(s.split()) for s in out.getvalue().split(";") if s.strip()]


def test_the_upgrade_adds_the_columns_in_order_and_the_downgrade_drops_them_last_first():
    assert statements_of(upgrade) == [
        "ALTER TABLE quotes ADD COLUMN decided_by VARCHAR(200)",
        "ALTER TABLE quotes ADD COLUMN answers JSON DEFAULT '{}' NOT NULL",
    ]
    assert statements_of(downgrade) == [
        "ALTER TABLE quotes DROP COLUMN answers",
        "ALTER TABLE quotes DROP COLUMN decided_by",
    ]


def test_the_same_columns_are_added_to_one_database_after_another_on_sqlite():
    for _ in range(2):  # the columns are made once, when the script loads
        engine = sa.create_engine("sqlite://")
        with engine.begin() as db:
            db.execute(sa.text("CREATE TABLE quotes (id VARCHAR(36) PRIMARY KEY)"))
            with Operations.context(MigrationContext.configure(db)):
                upgrade()
            assert [c["name"] for c in sa.inspect(db).get_columns("quotes")] == [
                "id",
                "decided_by",
                "answers",
            ]
            with Operations.context(MigrationContext.configure(db)):
                downgrade()
            assert [c["name"] for c in sa.inspect(db).get_columns("quotes")] == ["id"]
        engine.dispose()
