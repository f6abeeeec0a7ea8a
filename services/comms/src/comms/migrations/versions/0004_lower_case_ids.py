"""ids written in upper case before requests normalised them: lower-cased, so they match the ids
every other record (and every event) carries — notes, log entries and emails on a work address,
mailing lists' customers, and mass-email recipients not expanded yet
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    for table in ("notes", "communications", "emails"):
        op.execute(
            f"UPDATE {table} SET work_address_id = lower(work_address_id) "
            "WHERE work_address_id <> lower(work_address_id)"
        )
    op.execute(
        "UPDATE mass_email_recipients SET customer_id = lower(customer_id) "
        "WHERE status = 'pending' AND customer_id <> lower(customer_id) AND NOT EXISTS ("
        "SELECT 1 FROM mass_email_recipients AS other WHERE other.mass_email_id = "
        "mass_email_recipients.mass_email_id AND other.customer_id = lower(mass_email_recipients.customer_id))"
    )
    conn = op.get_bind()
    lists = sa.table("mailing_lists", sa.column("id", sa.String), sa.column("customer_ids", sa.JSON))
    for row in conn.execute(sa.select(lists.c.id, lists.c.customer_ids)).all():
        ids = row.customer_ids if not isinstance(row.customer_ids, str) else json.loads(row.customer_ids)
        lowered = list(dict.fromkeys(str(i).lower() for i in ids or []))
        if lowered != ids:
            conn.execute(lists.update().where(lists.c.id == row.id).values(customer_ids=lowered))


def downgrade() -> None:
    pass  # the upper-case spelling is not worth restoring
