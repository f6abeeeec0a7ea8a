"""customer_snapshots.merged_into: a merged customer's old id answers 410 naming the survivor, as in
every service (the kit's CustomerMerged)
"""

from fieldbook_shared.migrations import columns
from fieldbook_shared.migrations.alter import columns_added

revision = "0003"
down_revision = "0002"

upgrade, downgrade = columns_added("customer_snapshots", columns.string("merged_into", 36, nullable=True))
