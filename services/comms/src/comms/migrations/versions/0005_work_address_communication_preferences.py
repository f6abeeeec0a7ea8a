"""work address copies: the work address's communication preferences, from customers'
work_address.* snapshots (copies held before this have none, `{}`, until the next snapshot)
"""

import sqlalchemy as sa

from fieldbook_shared.migrations.alter import columns_added

revision = "0005"
down_revision = "0004"

upgrade, downgrade = columns_added(
    "work_address_copies",
    sa.Column("communication_preferences", sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
)
