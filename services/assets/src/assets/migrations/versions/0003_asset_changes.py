"""asset_changes: each asset's history (created, updated, moved, deleted), for the customer's
timeline; every asset there is already gets its "created" line, at its created_at
"""

import uuid

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db
from fieldbook_shared.migrations import columns

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    changes = op.create_table(
        "asset_changes",
        *columns.record_keys(customer=True),
        columns.record_id("asset_id"),
        columns.record_id("work_address_id", nullable=True),
        columns.string("change", 16),
        columns.string("summary", 500, nullable=True),
        columns.utc_datetime("occurred_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_asset_changes_customer_timeline",
        "asset_changes",
        ["tenant_id", "customer_id", "occurred_at", "id"],
    )
    op.create_index("ix_asset_changes_asset", "asset_changes", ["tenant_id", "asset_id"])
    assets = sa.table(
        "assets",
        *(sa.column(name) for name in ("id", "tenant_id", "customer_id", "work_address_id", "brand")),
        *(sa.column(name) for name in ("description", "serial_number")),
        sa.column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True)),
    )
    rows = []
    for asset in op.get_bind().execute(sa.select(assets)):
        what = " ".join(p for p in (asset.brand, asset.description) if p) or "Asset"
        if asset.serial_number:
            what += f" (serial {asset.serial_number})"
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "tenant_id": asset.tenant_id,
                "customer_id": asset.customer_id,
                "asset_id": asset.id,
                "work_address_id": asset.work_address_id,
                "change": "created",
                "summary": what[:500],
                "occurred_at": asset.created_at,
            }
        )
    if rows:
        op.bulk_insert(changes, rows)


def downgrade() -> None:
    op.drop_index("ix_asset_changes_asset", table_name="asset_changes")
    op.drop_index("ix_asset_changes_customer_timeline", table_name="asset_changes")
    op.drop_table("asset_changes")
