"""customer_snapshots.accounts_ref: the customer's Sage account, from customers' snapshots, for the
aged debtors report
"""

from fieldbook_shared.migrations import columns
from fieldbook_shared.migrations.alter import columns_added

revision = "0006"
down_revision = "0005"

upgrade, downgrade = columns_added("customer_snapshots", columns.string("accounts_ref", 8, nullable=True))
