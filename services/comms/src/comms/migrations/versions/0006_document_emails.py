"""emails: the billing document (invoice, quote or credit note) an email carries, whose PDF the
sender fetches from billing when it sends it (as it does a statement's)
"""

import sqlalchemy as sa

from fieldbook_shared.migrations import columns
from fieldbook_shared.migrations.alter import columns_added

revision = "0006"
down_revision = "0005"

upgrade, downgrade = columns_added(
    "emails",
    columns.string("document_kind", 16, nullable=True),
    columns.record_id("document_id", nullable=True),
    sa.Column("document_number", sa.Integer(), nullable=True),
)
