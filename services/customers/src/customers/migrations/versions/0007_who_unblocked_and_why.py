"""who unblocked a customer, when and why

`POST …/unblock` takes an optional reason; the record keeps it beside who unblocked and when
(as it keeps who blocked and why).
"""

from fieldbook_shared.migrations import columns
from fieldbook_shared.migrations.alter import columns_added

revision = "0007"
down_revision = "0006"

upgrade, downgrade = columns_added(
    "customers",
    columns.string("unblock_reason", 500, nullable=True),
    columns.utc_datetime("unblocked_at", nullable=True),
    columns.string("unblocked_by", 200, nullable=True),
)
