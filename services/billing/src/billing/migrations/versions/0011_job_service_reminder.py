"""jobs.service_reminder_id: the service reminder (servicing) a job was booked from"""

from fieldbook_shared.migrations import columns
from fieldbook_shared.migrations.alter import columns_added

revision = "0011"
down_revision = "0010"

upgrade, downgrade = columns_added("jobs", columns.record_id("service_reminder_id", nullable=True))
