"""first tables: notes, communications log, email templates, emails with attachments and send log, mailing lists, mass emails, the customers read model"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)


def upgrade() -> None:
    op.create_table(
        "communications",
        *columns.record_keys(customer=True),
        columns.record_id("work_address_id", nullable=True),
        columns.string("kind", 16),
        columns.string("direction", 3),
        columns.string("author", 200),
        columns.utc_datetime("occurred_at"),
        columns.string("subject", 500, nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        columns.flag("pinned"),
        columns.record_id("note_id", nullable=True),
        columns.record_id("email_id", nullable=True),
        columns.string("status", 16, nullable=True),
        columns.created_at(),
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
        *columns.record_keys(customer=True),
        columns.version(),
        *columns.person_name(),
        columns.string("email", 254, nullable=True),
        columns.flag("is_primary"),
        columns.flag("archived"),
        sa.Column("communication_preferences", sa.JSON(), nullable=False),
        columns.flag("removed"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contact_copies_customer", "contact_copies", ["tenant_id", "customer_id"])
    op.create_table(
        "customer_copies",
        *columns.record_keys(),
        columns.version(),
        columns.string("type", 50, nullable=True),
        *columns.person_name(),
        columns.string("company_name", 200, nullable=True),
        columns.string("display_name", 300, nullable=True),
        columns.string("email", 254, nullable=True),
        columns.string("address_line_1", 200, nullable=True),
        columns.string("address_line_2", 200, nullable=True),
        columns.string("town", 100, nullable=True),
        columns.string("postcode", 16, nullable=True),
        columns.string("status", 16),
        sa.Column("communication_preferences", sa.JSON(), nullable=False),
        columns.string("accounts_ref", 8, nullable=True),
        columns.money("balance", nullable=True),
        columns.utc_datetime("balance_as_of", nullable=True),
        columns.flag("removed"),
        columns.string("merged_into", 36, nullable=True),
        columns.utc_datetime("updated_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customer_copies_tenant", "customer_copies", ["tenant_id", "id"])
    op.create_table(
        "email_templates",
        *columns.record_keys(),
        columns.version(),
        columns.string("name", 200),
        columns.string("subject", 500),
        sa.Column("body", sa.Text(), nullable=False),
        *columns.timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_email_templates_tenant_name"),
    )
    op.create_table(
        "emails",
        *columns.record_keys(),
        columns.record_id("customer_id", nullable=True),
        columns.record_id("work_address_id", nullable=True),
        columns.record_id("mass_email_id", nullable=True),
        columns.string("statement_id", 64, nullable=True),
        columns.record_id("template_id", nullable=True),
        columns.string("to_address", 254),
        columns.string("to_name", 300, nullable=True),
        columns.string("subject", 500),
        sa.Column("body", sa.Text(), nullable=False),
        columns.string("status", 16),
        sa.Column("attempts", sa.Integer(), nullable=False),
        columns.utc_datetime("next_attempt_at"),
        columns.utc_datetime("lease_until", nullable=True),
        sa.Column("smtp_code", sa.Integer(), nullable=True),
        sa.Column("smtp_response", sa.Text(), nullable=True),
        columns.string("message_id", 300, nullable=True),
        columns.string("author", 200),
        columns.created_at(),
        columns.utc_datetime("sent_at", nullable=True),
        columns.utc_datetime("failed_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_emails_customer", "emails", ["tenant_id", "customer_id", "created_at"])
    op.create_index("ix_emails_due", "emails", ["status", "next_attempt_at"])
    op.create_index("ix_emails_mass_email", "emails", ["mass_email_id"])
    op.create_table(
        "mailing_lists",
        *columns.record_keys(),
        columns.version(),
        columns.string("name", 200),
        sa.Column("customer_ids", sa.JSON(), nullable=False),
        *columns.timestamps(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_mailing_lists_tenant_name"),
    )
    op.create_table(
        "mass_emails",
        *columns.record_keys(),
        columns.record_id("template_id", nullable=True),
        columns.record_id("mailing_list_id", nullable=True),
        columns.string("subject", 500),
        sa.Column("body", sa.Text(), nullable=False),
        columns.flag("automated"),
        columns.string("status", 16),
        sa.Column("total", sa.Integer(), nullable=False),
        columns.string("author", 200),
        columns.utc_datetime("lease_until", nullable=True),
        columns.created_at(),
        columns.utc_datetime("started_at", nullable=True),
        columns.utc_datetime("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mass_emails_status", "mass_emails", ["status", "created_at"])
    op.create_table(
        "notes",
        *columns.record_keys(customer=True),
        columns.record_id("work_address_id", nullable=True),
        columns.version(),
        sa.Column("text", sa.Text(), nullable=False),
        columns.flag("important"),
        columns.flag("do_not_work_with_again"),
        columns.string("author", 200),
        *columns.timestamps(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notes_customer", "notes", ["tenant_id", "customer_id", "created_at"])
    op.create_index("ix_notes_work_address_id", "notes", ["work_address_id"])
    op.create_table(
        "work_address_copies",
        *columns.record_keys(customer=True),
        columns.version(),
        columns.string("name", 200, nullable=True),
        columns.string("address_line_1", 200, nullable=True),
        columns.string("postcode", 16, nullable=True),
        columns.string("status", 16),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_work_address_copies_customer", "work_address_copies", ["tenant_id", "customer_id"])
    op.create_table(
        "attachments",
        *columns.record_keys(),
        columns.record_id("email_id", nullable=True),
        columns.record_id("mass_email_id", nullable=True),
        columns.string("filename", 255),
        columns.string("content_type", 255),
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
        *columns.record_keys(),
        columns.record_id("email_id"),
        columns.utc_datetime("attempted_at"),
        columns.string("outcome", 16),
        sa.Column("smtp_code", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["email_id"], ["emails.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_email_attempts_email_id", "email_attempts", ["email_id"])
    op.create_table(
        "mass_email_recipients",
        *columns.record_keys(),
        columns.record_id("mass_email_id"),
        columns.record_id("customer_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        columns.string("status", 16),
        columns.string("reason", 300, nullable=True),
        columns.record_id("email_id", nullable=True),
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
