"""SQLAlchemy models of the comms service. Every table carries tenant_id; every query filters by it.

Read model (fed by customers' events): `customer_copies`, `contact_copies`, `work_address_copies`.
Owned: notes, the communications log, email templates, emails (+ attachments and each SMTP
attempt), mailing lists, mass emails and their recipients.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from fieldbook_shared.aggregate import Aggregate
from fieldbook_shared.db import Base, Money, utcnow
from fieldbook_shared.records import (
    CustomerRecordKeys,
    PersonName,
    RecordKeys,
    Retried,
    Timestamps,
    Versioned,
)

from ..domain import sms as sms_rules

# --- read model of customers -------------------------------------------------------------------


class RecordCopy:
    """A copy of one of customers' records: its id and tenant, and the version of the snapshot it
    was taken from (an older snapshot is ignored)."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)


class CustomerRecordCopy(RecordCopy):
    """A copy of a record of one customer (a contact, a work address)."""

    customer_id: Mapped[str] = mapped_column(String(36))


class CustomerCopy(RecordCopy, PersonName, Base):
    """What comms knows of a customer, from customer.* snapshots (`version` orders them)."""

    __tablename__ = "customer_copies"
    __table_args__ = (Index("ix_customer_copies_tenant", "tenant_id", "id"),)

    type: Mapped[str | None] = mapped_column(String(50))
    company_name: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    address_line_1: Mapped[str | None] = mapped_column(String(200))
    address_line_2: Mapped[str | None] = mapped_column(String(200))
    town: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    communication_preferences: Mapped[dict] = mapped_column(default=dict)
    accounts_ref: Mapped[str | None] = mapped_column(String(8))
    balance: Mapped[Decimal | None] = mapped_column(Money)
    balance_as_of: Mapped[datetime | None] = mapped_column()
    # a tombstone: deleted / erased / merged away; later snapshots of it are ignored
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ContactCopy(CustomerRecordCopy, PersonName, Base):
    __tablename__ = "contact_copies"
    __table_args__ = (Index("ix_contact_copies_customer", "tenant_id", "customer_id"),)

    email: Mapped[str | None] = mapped_column(String(254))
    phones: Mapped[list] = mapped_column(default=list)  # [{type, number}], as customers keeps them
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    communication_preferences: Mapped[dict] = mapped_column(default=dict)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)


class WorkAddressCopy(CustomerRecordCopy, Base):
    __tablename__ = "work_address_copies"
    __table_args__ = (Index("ix_work_address_copies_customer", "tenant_id", "customer_id"),)

    name: Mapped[str | None] = mapped_column(String(200))
    address_line_1: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    communication_preferences: Mapped[dict] = mapped_column(default=dict)


# --- notes and the communications log -----------------------------------------------------------


class Note(Aggregate, CustomerRecordKeys, Versioned, Timestamps, Base):
    """A note on a customer (or one of its work addresses); `note.created` / `note.updated` carry it."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_customer", "tenant_id", "customer_id", "created_at"),)

    work_address_id: Mapped[str | None] = mapped_column(String(36), index=True)
    text: Mapped[str] = mapped_column(Text)
    important: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_work_with_again: Mapped[bool] = mapped_column(Boolean, default=False)
    author: Mapped[str] = mapped_column(String(200))

    def edit(self, changes: dict, now: datetime) -> None:
        """Change the text, pin or unpin (`important`), flag or unflag."""
        for name in ("text", "important", "do_not_work_with_again"):
            if name in changes:
                setattr(self, name, changes[name])
        self.updated_at = now
        self.record("note.updated")


class Communication(CustomerRecordKeys, Base):
    """One line of the log: a note, an email, a call or an SMS record, in or out."""

    __tablename__ = "communications"
    __table_args__ = (
        # the log latest first, and the customer's timeline: a range scan (occurred_at, id)
        Index("ix_communications_customer_timeline", "tenant_id", "customer_id", "occurred_at", "id"),
        Index("ix_communications_work_address", "tenant_id", "work_address_id", "occurred_at"),
    )

    work_address_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16))  # note | email | letter | call | sms
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    author: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    subject: Mapped[str | None] = mapped_column(String(500))
    summary: Mapped[str | None] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    note_id: Mapped[str | None] = mapped_column(String(36), index=True)
    email_id: Mapped[str | None] = mapped_column(String(36), index=True)
    sms_id: Mapped[str | None] = mapped_column(String(36), index=True)
    letter_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # an email's: queued | sent | failed; an SMS's: queued | sent | delivered | failed | skipped;
    # a letter's: to_print | printed
    status: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- letters -------------------------------------------------------------------------------------


class Letter(CustomerRecordKeys, Base):
    """A letter for the office to print and post (a service reminder to a customer who takes post,
    not email): its text rendered when it was made, whom to and where, and whether it was printed.
    Its PDF is drawn on request, on the tenant's letterhead (the kit's `pdf.render_letters`)."""

    __tablename__ = "letters"
    __table_args__ = (
        # what another service asks to be sent once (a service reminder's stage): one letter a key
        UniqueConstraint("tenant_id", "message_key", name="uq_letters_message_key"),
        Index("ix_letters_status", "tenant_id", "status", "created_at"),
        Index("ix_letters_customer", "tenant_id", "customer_id", "created_at"),
    )

    work_address_id: Mapped[str | None] = mapped_column(String(36))
    message_key: Mapped[str | None] = mapped_column(String(200))
    template_id: Mapped[str | None] = mapped_column(String(36))
    to_name: Mapped[str | None] = mapped_column(String(300))
    address_lines: Mapped[list] = mapped_column(JSON, default=list)
    letter_date: Mapped[date] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(200))  # why a letter and not an email
    status: Mapped[str] = mapped_column(String(16), default="to_print")  # to_print | printed
    printed_at: Mapped[datetime | None] = mapped_column()
    printed_by: Mapped[str | None] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def printed(self, by: str, now: datetime) -> None:
        self.status, self.printed_at, self.printed_by = "printed", now, by


# --- email ---------------------------------------------------------------------------------------


class EmailTemplate(RecordKeys, Versioned, Timestamps, Base):
    __tablename__ = "email_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_email_templates_tenant_name"),)

    name: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)


class Email(Aggregate, RecordKeys, Retried, Base):
    """One message to one address. Written `queued` by the API; the worker's sender sends it.
    What became of it travels as `email.sent` / `email.failed`."""

    __tablename__ = "emails"
    __table_args__ = (
        Index("ix_emails_due", "status", "next_attempt_at"),
        Index("ix_emails_customer", "tenant_id", "customer_id", "created_at"),
        Index("ix_emails_mass_email", "mass_email_id"),
        # what another service asks to be sent once (a service reminder's stage): one email a key
        UniqueConstraint("tenant_id", "message_key", name="uq_emails_message_key"),
    )

    customer_id: Mapped[str | None] = mapped_column(String(36))
    work_address_id: Mapped[str | None] = mapped_column(String(36))
    mass_email_id: Mapped[str | None] = mapped_column(String(36))
    statement_id: Mapped[str | None] = mapped_column(String(64))
    # billing's invoice, quote or credit note it carries: the sender attaches its PDF
    document_kind: Mapped[str | None] = mapped_column(String(16))
    document_id: Mapped[str | None] = mapped_column(String(36))
    document_number: Mapped[int | None] = mapped_column(Integer)
    template_id: Mapped[str | None] = mapped_column(String(36))
    message_key: Mapped[str | None] = mapped_column(String(200))
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str | None] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    # queued → sending → sent | failed; back to queued (later) after a temporary SMTP failure
    status: Mapped[str] = mapped_column(String(16), default="queued")
    smtp_code: Mapped[int | None] = mapped_column(Integer)
    smtp_response: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(300))
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    failed_at: Mapped[datetime | None] = mapped_column()

    @property
    def email_id(self) -> str:  # the events' name for the id
        return self.id

    @property
    def to(self) -> str | None:
        """The address it went (or was to go) to; None when there was none."""
        return self.to_address or None

    def mark_sent(self, now: datetime) -> None:
        self.status, self.sent_at = "sent", now
        self.record("email.sent")

    def mark_failed(self, now: datetime, reason: str, permanent: bool) -> None:
        """Given up: `permanent` when the server (or the email itself) refused it for good."""
        self.status, self.failed_at = "failed", now
        self.record("email.failed", reason=reason, permanent=permanent)


class Attachment(RecordKeys, Base):
    """A file sent with an email, or with every email of a mass email."""

    __tablename__ = "attachments"

    email_id: Mapped[str | None] = mapped_column(ForeignKey("emails.id", ondelete="CASCADE"), index=True)
    mass_email_id: Mapped[str | None] = mapped_column(
        ForeignKey("mass_emails.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class EmailAttempt(RecordKeys, Base):
    """Each SMTP attempt and what the server said: the send log."""

    __tablename__ = "email_attempts"

    email_id: Mapped[str] = mapped_column(ForeignKey("emails.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))  # sent | temporary | permanent
    smtp_code: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)


# --- SMS ----------------------------------------------------------------------------------------


class Sms(Aggregate, RecordKeys, Retried, Base):
    """One text message to one mobile number. Written `queued` by the API (or `skipped`, with the
    reason, when the customer, contact or work address opted out or has no mobile number); the
    worker's SMS sender hands it to the provider (`sent`), whose delivery receipt settles it
    (`delivered` / `failed`). What became of it travels as `sms.sent` / `sms.delivered` / `sms.failed`."""

    __tablename__ = "sms"
    __table_args__ = (
        Index("ix_sms_due", "status", "next_attempt_at"),
        Index("ix_sms_customer", "tenant_id", "customer_id", "created_at"),
    )

    customer_id: Mapped[str | None] = mapped_column(String(36))
    contact_id: Mapped[str | None] = mapped_column(String(36))
    work_address_id: Mapped[str | None] = mapped_column(String(36))
    template_id: Mapped[str | None] = mapped_column(String(36))
    to_number: Mapped[str | None] = mapped_column(String(20))  # E.164, +447700900123
    body: Mapped[str] = mapped_column(Text)
    # queued → sending → sent → delivered | failed; skipped at once; back to queued after a
    # temporary failure to reach the provider
    status: Mapped[str] = mapped_column(String(16), default="queued")
    reason: Mapped[str | None] = mapped_column(String(300))  # why skipped or failed
    provider_message_id: Mapped[str | None] = mapped_column(String(100), index=True)
    provider_status: Mapped[str | None] = mapped_column(String(40))  # the provider's last word
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    failed_at: Mapped[datetime | None] = mapped_column()

    @property
    def sms_id(self) -> str:  # the events' name for the id
        return self.id

    @property
    def to(self) -> str | None:
        return self.to_number

    @property
    def segments(self) -> int:
        return sms_rules.segments(self.body or "")

    def mark_sent(self, now: datetime, provider_message_id: str) -> None:
        self.status, self.sent_at, self.provider_message_id = "sent", now, provider_message_id
        self.record("sms.sent")

    def mark_delivered(self, now: datetime) -> None:
        self.status, self.delivered_at = "delivered", now
        self.record("sms.delivered")

    def mark_failed(self, now: datetime, reason: str) -> None:
        self.status, self.failed_at, self.reason = "failed", now, reason[:300]
        self.record("sms.failed", reason=reason)


# --- mass email ----------------------------------------------------------------------------------


class MailingList(RecordKeys, Versioned, Timestamps, Base):
    __tablename__ = "mailing_lists"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_mailing_lists_tenant_name"),)

    name: Mapped[str] = mapped_column(String(200))
    customer_ids: Mapped[list] = mapped_column(default=list)


class MassEmail(Aggregate, RecordKeys, Base):
    """A job: one personalised email per recipient, expanded and queued by the worker."""

    __tablename__ = "mass_emails"
    __table_args__ = (Index("ix_mass_emails_status", "status", "created_at"),)

    template_id: Mapped[str | None] = mapped_column(String(36))
    mailing_list_id: Mapped[str | None] = mapped_column(String(36))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    automated: Mapped[bool] = mapped_column(Boolean, default=True)
    # queued → expanding → sending (every recipient queued or skipped) → completed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    author: Mapped[str] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column()
    claim_token: Mapped[str | None] = mapped_column(String(36))  # the expanding worker's claim
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    def complete(self, now: datetime, sent: int, skipped: int, failed: int) -> None:
        """No email of it is left to send: completed, with its figures in `mass_email.completed`."""
        self.status, self.finished_at = "completed", now
        self.record("mass_email.completed", sent=sent, skipped=skipped, failed=failed)


class MassEmailRecipient(RecordKeys, Base):
    __tablename__ = "mass_email_recipients"
    __table_args__ = (
        UniqueConstraint("mass_email_id", "customer_id", name="uq_mass_email_recipient"),
        Index("ix_mass_email_recipients_job", "mass_email_id", "status"),
    )

    mass_email_id: Mapped[str] = mapped_column(ForeignKey("mass_emails.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(String(36))
    position: Mapped[int] = mapped_column(Integer)
    # pending (customer not heard of yet) | queued (email written) | skipped
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(String(300))
    email_id: Mapped[str | None] = mapped_column(String(36))
