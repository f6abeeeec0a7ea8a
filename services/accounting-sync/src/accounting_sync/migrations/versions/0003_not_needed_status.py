"""customer_sync: customers removed before they reached Sage are `not_needed`, no longer `synced`

Rows merged / deleted / erased in Fieldbook and never linked to a Sage contact were shown as
`synced` (or stayed `pending` / `failed` / `needs_review` after a removal during an attempt).
They become `not_needed`: nothing was created in Sage for them, and nothing will be.
"""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.execute(
        "UPDATE customer_sync SET status = 'not_needed', action = 'none', candidates = '[]', "
        "last_error = NULL, review_contact_id = NULL, next_attempt_at = NULL "
        "WHERE removed IS NOT NULL AND sage_contact_id IS NULL AND status <> 'not_needed'"
    )


def downgrade() -> None:
    op.execute("UPDATE customer_sync SET status = 'synced' WHERE status = 'not_needed'")
