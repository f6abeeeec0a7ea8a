"""first tables: notes, communications log, email templates, emails with attachments and send log, mailing lists, mass emails, the customers read model"""

import sqlalchemy as sa
from alembic import op

import fieldbook_shared.db  # noqa: F401  (column types of the kit)
from fieldbook_shared.migrations.columns import person_name, record_keys, timestamps

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)


def upgrade() -> None:
    op.create_table(
        "communications",
        *record_keys(customer=True),
        sa.Column("work_address_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("note_id", sa.String(length=36), nullable=True),
        sa.Column("email_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_communications_customer", "communications", ["tenant_id", "customer_id", "occurred_at"]
    )
    op.create_index("ix_communications_email_id", "communications", ["email_id"])
    op.create_index("ix_communications_note_id", "communications", ["note_id"])
    op.create_index(
        "ix_communications_work_address", "communications", ["tenant_id", "work_address_id", "occurred_at"]
    )
    op.create_table(
        "contact_copies",
        *record_keys(customer=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *person_name(),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("communication_preferences", sa.JSON(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contact_copies_customer", "contact_copies", ["tenant_id", "customer_id"])
    op.create_table(
        "customer_copies",
        *record_keys(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=True),
        *person_name(),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("display_name", sa.String(length=300), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("address_line_1", sa.String(length=200), nullable=True),
        sa.Column("address_line_2", sa.String(length=200), nullable=True),
        sa.Column("town", sa.String(length=100), nullable=True),
        sa.Column("postcode", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("communication_preferences", sa.JSON(), nullable=False),
        sa.Column("accounts_ref", sa.String(length=8), nullable=True),
        sa.Column("balance", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("balance_as_of", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("merged_into", sa.String(length=36), nullable=True),
        sa.Column("updated_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customer_copies_tenant", "customer_copies", ["tenant_id", "id"])
    op.create_table(
        "email_templates",
        *record_keys(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        *timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_email_templates_tenant_name"),
    )
    op.create_table(
        "emails",
        *record_keys(),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("work_address_id", sa.String(length=36), nullable=True),
        sa.Column("mass_email_id", sa.String(length=36), nullable=True),
        sa.Column("statement_id", sa.String(length=64), nullable=True),
        sa.Column("template_id", sa.String(length=36), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("to_name", sa.String(length=300), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("smtp_code", sa.Integer(), nullable=True),
        sa.Column("smtp_response", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failed_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_emails_customer", "emails", ["tenant_id", "customer_id", "created_at"])
    op.create_index("ix_emails_due", "emails", ["status", "next_attempt_at"])
    op.create_index("ix_emails_mass_email", "emails", ["mass_email_id"])
    op.create_table(
        "mailing_lists",
        *record_keys(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("customer_ids", sa.JSON(), nullable=False),
        *timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_mailing_lists_tenant_name"),
    )
    op.create_table(
        "mass_emails",
        *record_keys(),
        sa.Column("template_id", sa.String(length=36), nullable=True),
        sa.Column("mailing_list_id", sa.String(length=36), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("automated", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("lease_until", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mass_emails_status", "mass_emails", ["status", "created_at"])
    op.create_table(
        "notes",
        *record_keys(customer=True),
        sa.Column("work_address_id", sa.String(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("important", sa.Boolean(), nullable=False),
        sa.Column("do_not_work_with_again", sa.Boolean(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        *timestamps(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notes_customer", "notes", ["tenant_id", "customer_id", "created_at"])
    op.create_index("ix_notes_work_address_id", "notes", ["work_address_id"])
    op.create_table(
        "work_address_copies",
        *record_keys(customer=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("address_line_1", sa.String(length=200), nullable=True),
        sa.Column("postcode", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_work_address_copies_customer", "work_address_copies", ["tenant_id", "customer_id"])
    op.create_table(
        "attachments",
        *record_keys(),
        sa.Column("email_id", sa.String(length=36), nullable=True),
        sa.Column("mass_email_id", sa.String(length=36), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["email_id"], ["emails.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mass_email_id"], ["mass_emails.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_attachments_email_id", "attachments", ["email_id"])
    op.create_index("ix_attachments_mass_email_id", "attachments", ["mass_email_id"])
    op.create_table(
        "email_attempts",
        *record_keys(),
        sa.Column("email_id", sa.String(length=36), nullable=False),
        sa.Column("attempted_at", fieldbook_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("smtp_code", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["email_id"], ["emails.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_email_attempts_email_id", "email_attempts", ["email_id"])
    op.create_table(
        "mass_email_recipients",
        *record_keys(),
        sa.Column("mass_email_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("email_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["mass_email_id"], ["mass_emails.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mass_email_id", "customer_id", name="uq_mass_email_recipient"),
    )
    op.create_index("ix_mass_email_recipients_job", "mass_email_recipients", ["mass_email_id", "status"])


def downgrade() -> None:
    op.drop_table("mass_email_recipients")
    op.drop_table("email_attempts")
    op.drop_table("attachments")
    op.drop_table("work_address_copies")
    op.drop_table("notes")
    op.drop_table("mass_emails")
    op.drop_table("mailing_lists")
    op.drop_table("emails")
    op.drop_table("email_templates")
    op.drop_table("customer_copies")
    op.drop_table("contact_copies")
    op.drop_table("communications")
