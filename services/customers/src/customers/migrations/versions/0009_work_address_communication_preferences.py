"""work addresses: communication preferences, like customers and contacts (seed 001: "Set
Communication Preferences" when adding a work address)

Work addresses written before this have none (`{}`): no channel refused.
"""

import sqlalchemy as sa

from fieldbook_shared.migrations.alter import columns_added

revision = "0009"
down_revision = "0008"

upgrade, downgrade = columns_added(
    "work_addresses",
    sa.Column("communication_preferences", sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
)
