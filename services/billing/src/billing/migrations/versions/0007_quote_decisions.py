"""quotes.decided_by / decided_at / decision_comment: the customer's answer through a quote's
acceptance link (the name they gave, when, and their comment)
"""

from fieldbook_shared.migrations import columns
from fieldbook_shared.migrations.alter import columns_added

revision = "0007"
down_revision = "0006"

upgrade, downgrade = columns_added(
    "quotes",
    columns.string("decided_by", 200, nullable=True),
    columns.utc_datetime("decided_at", nullable=True),
    columns.string("decision_comment", 1000, nullable=True),
)
