"""jobs.sla_due_at / sla_breached; the contracts read model (servicing's contract.* events): contract
covers and the work addresses each covers"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.add_column(columns.utc_datetime("sla_due_at", nullable=True))
        batch_op.add_column(sa.Column("sla_breached", sa.Boolean(), nullable=True))
    op.create_table(
        "contract_covers",
        *columns.copy_columns("contract_covers", "contract_id"),
        columns.record_id("customer_id", nullable=True),
        columns.string("status", 16, nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("sla_response_hours", sa.Integer(), nullable=True),
    )
    op.create_table(
        "covered_work_addresses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        columns.tenant_id(),
        columns.record_id("contract_id"),
        columns.record_id("work_address_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.Index("ix_covered_work_addresses_address", "tenant_id", "work_address_id"),
        sa.Index("ix_covered_work_addresses_contract_id", "contract_id"),
    )


def downgrade() -> None:
    op.drop_table("covered_work_addresses")
    op.drop_table("contract_covers")
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_column("sla_breached")
        batch_op.drop_column("sla_due_at")
