"""For a revision that only adds columns to one table: its upgrade and its downgrade, made together
so that the downgrade drops exactly what the upgrade added.

    upgrade, downgrade = columns_added("quotes", columns.string("decided_by", 200, nullable=True))

A revision that has run somewhere must keep doing the same, so what these do never changes; a
different way is a new function (as in `columns`).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op


def columns_added(table: str, *new: sa.Column) -> tuple[Callable[[], None], Callable[[], None]]:
    """The upgrade adds `new` to `table` in order, the downgrade drops them last first; both in
    batch mode, so that SQLite can too. (Alembic adds a copy of a column already used, so the
    columns can be made once, when the script loads.)"""

    def upgrade() -> None:
        with op.batch_alter_table(table) as batch_op:
            for column in new:
                batch_op.add_column(column)

    def downgrade() -> None:
        with op.batch_alter_table(table) as batch_op:
            for column in reversed(new):
                batch_op.drop_column(column.name)

    return upgrade, downgrade
