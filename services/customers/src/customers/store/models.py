"""SQLAlchemy models of the customers service. Every table carries tenant_id; every query filters by it.

Customers, contacts, branches and work addresses are the kit's aggregates: they record their own
events (`record("customer.blocked")`), and the unit of work writes them to the outbox at commit,
each dumped through the catalogue's schema (`fieldbook_shared.events.catalogue.customers`), so
every field that schema reads is a column or a property here (`address`, `Contact.primary`).

Customers and contacts carry a `version` column (SQLAlchemy's version_id_col): it is the ETag, and
its `UPDATE … WHERE version = :seen` settles races between writers that passed the If-Match check.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldbook_shared.aggregate import Aggregate
from fieldbook_shared.db import AddressColumns as KitAddressColumns
from fieldbook_shared.db import Base, BigIntId, Money, new_id, utcnow
from fieldbook_shared.problems import Conflict
from fieldbook_shared.records import FileChunk, JobProgress, PersonName, RecordKeys, Timestamps, Versioned

from ..domain import rules


class AddressColumns(KitAddressColumns):
    """The kit's address, plus what search compares."""

    # postcode without spaces, upper case: "LS14AB" — what search compares
    postcode_compact: Mapped[str | None] = mapped_column(String(16))

    @property
    def address(self) -> dict:
        """The address as requests, answers and events nest it."""
        return {
            "line_1": self.address_line_1,
            "line_2": self.address_line_2,
            "line_3": self.address_line_3,
            "town": self.town,
            "county": self.county,
            "postcode": self.postcode,
        }


BLOCK_REASON_LENGTH = 500


class Customer(Aggregate, AddressColumns, RecordKeys, Versioned, Timestamps, PersonName, Base):
    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_tenant_created", "tenant_id", "created_at"),
        Index("ix_customers_tenant_name", "tenant_id", "sort_name"),
        Index("ix_customers_tenant_postcode", "tenant_id", "postcode_compact"),
        Index("ix_customers_tenant_accounts_ref", "tenant_id", "accounts_ref"),
        Index("ix_customers_tenant_merged_into", "tenant_id", "merged_into_id"),  # merged records of one
    )

    type: Mapped[str] = mapped_column(String(50))
    company_name: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(300))
    sort_name: Mapped[str] = mapped_column(String(300))
    business_type: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    phone_digits: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="active")
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    block_reason: Mapped[str | None] = mapped_column(String(BLOCK_REASON_LENGTH))
    blocked_at: Mapped[datetime | None] = mapped_column()
    blocked_by: Mapped[str | None] = mapped_column(String(200))
    # the last unblock: who, when and why (cleared by the next block)
    unblock_reason: Mapped[str | None] = mapped_column(String(500))
    unblocked_at: Mapped[datetime | None] = mapped_column()
    unblocked_by: Mapped[str | None] = mapped_column(String(200))
    credit_limit: Mapped[Decimal | None] = mapped_column(Money)
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)
    account_manager: Mapped[str | None] = mapped_column(String(200))
    advertising_source: Mapped[str | None] = mapped_column(String(200))
    price_book: Mapped[str | None] = mapped_column(String(200))
    invoice_address_format: Mapped[str | None] = mapped_column(String(500))
    custom_fields: Mapped[dict] = mapped_column(default=dict)
    communication_preferences: Mapped[dict] = mapped_column(default=dict)
    # reserved for accounting-sync: written only from accounting.* events
    accounts_ref: Mapped[str | None] = mapped_column(String(8))
    accounts_balance: Mapped[Decimal | None] = mapped_column(Money)
    accounts_balance_as_of: Mapped[datetime | None] = mapped_column()
    # maintained from billing's events: a customer with invoices, payments or credits is never deleted
    has_transactions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # a merged customer stays as a tombstone that points at its survivor (410, merged_into)
    merged_into_id: Mapped[str | None] = mapped_column(String(36))
    erased_at: Mapped[datetime | None] = mapped_column()
    # what search reads: every searched field of the customer and its contacts, a line each; the
    # database's triggers write it with every change of those fields (migration 0011), never the
    # ORM, which does not load it either
    search_text: Mapped[str | None] = mapped_column(Text, deferred=True)

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="customer", order_by="Contact.created_at", lazy="selectin"
    )

    def block(self, reason: str, by: str) -> None:
        """Blocked with a reason: no new work (jobs, quote conversions) for the account. Clears
        the last unblock. 409 when it already is."""
        if self.blocked:
            raise Conflict("The account is already blocked.", block_reason=self.block_reason)
        self._set_blocked(reason, by)
        self.updated_at = utcnow()
        self.record("customer.blocked")

    def take_block_of(self, merged: Customer, by: str) -> None:
        """A blocked customer merged into this one blocks it too, the reason saying where from (cut
        to the column). Told by the merge's `customer.updated`, not as a block of its own."""
        reason = f"Merged from {merged.display_name}: {merged.block_reason or 'blocked'}"
        self._set_blocked(rules.fit(reason, BLOCK_REASON_LENGTH), by)

    def _set_blocked(self, reason: str, by: str) -> None:
        self.blocked = True
        self.block_reason = reason
        self.blocked_at = utcnow()
        self.blocked_by = by
        self.unblock_reason = self.unblocked_at = self.unblocked_by = None

    def unblock(self, reason: str | None, by: str) -> None:
        """Unblocked, keeping who, when and why (optional) until the next block. 409 when it is not."""
        if not self.blocked:
            raise Conflict("The account is not blocked.")
        self.blocked = False
        self.block_reason = None
        self.blocked_at = None
        self.blocked_by = None
        self.unblock_reason = reason
        self.unblocked_at = utcnow()
        self.unblocked_by = by
        self.updated_at = utcnow()
        self.record("customer.unblocked", reason=self.unblock_reason)


class Contact(Aggregate, Versioned, Timestamps, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_customer", "customer_id"),
        # exactly one primary per customer: the database refuses a second one
        Index(
            "uq_contacts_one_primary",
            "customer_id",
            unique=True,
            postgresql_where=text("is_primary"),
            sqlite_where=text("is_primary"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(String(30))
    first_name: Mapped[str | None] = mapped_column(String(100))
    surname: Mapped[str] = mapped_column(String(100))
    position: Mapped[str | None] = mapped_column(String(100))
    phones: Mapped[list] = mapped_column(default=list)
    phone_digits: Mapped[str | None] = mapped_column(Text)  # all numbers' digits, space separated
    email: Mapped[str | None] = mapped_column(String(254))
    urls: Mapped[list] = mapped_column(default=list)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    communication_preferences: Mapped[dict] = mapped_column(default=dict)

    customer: Mapped[Customer] = relationship(back_populates="contacts")

    @property
    def primary(self) -> bool:
        return self.is_primary

    def set_primary(self, primary: bool) -> None:
        """Becomes (or stops being) the customer's primary contact: `contact.primary_changed`.
        Flush before the other contact changes: the database holds one primary per customer."""
        self.is_primary = primary
        self.record("contact.primary_changed")


class Branch(Aggregate, AddressColumns, Versioned, Timestamps, Base):
    __tablename__ = "branches"
    __table_args__ = (UniqueConstraint("customer_id", "code", name="uq_branches_customer_code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(50))
    phones: Mapped[list] = mapped_column(default=list)
    emails: Mapped[list] = mapped_column(default=list)
    default_contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))


class WorkAddress(Aggregate, AddressColumns, Versioned, Timestamps, Base):
    __tablename__ = "work_addresses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")
    landlord: Mapped[dict | None] = mapped_column()
    occupier: Mapped[dict | None] = mapped_column()
    communication_preferences: Mapped[dict] = mapped_column(default=dict)

    def make_dormant(self) -> None:
        """Dormant, as its customer is (no automated reminders reach it): `work_address.status_changed`
        when it was not already."""
        if self.status != "dormant":
            self.status = "dormant"
            self.record("work_address.status_changed")


class CustomFieldDefinition(RecordKeys, Base):
    """A tenant's own customer field: `custom_fields` on a customer is validated against these."""

    __tablename__ = "custom_field_definitions"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_custom_fields_tenant_key"),)

    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    field_type: Mapped[str] = mapped_column(String(16))  # text | number | date | boolean | choice
    choices: Mapped[list] = mapped_column(default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomerType(RecordKeys, Base):
    """A tenant-defined customer type beside the built-in private / company / landlord."""

    __tablename__ = "customer_types"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_customer_types_tenant_name"),)

    name: Mapped[str] = mapped_column(String(50))
    label: Mapped[str] = mapped_column(String(200))
    required_fields: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomerMerge(RecordKeys, Base):
    """The audit of a merge: who merged which customer into which, when, and what moved."""

    __tablename__ = "customer_merges"
    __table_args__ = (UniqueConstraint("tenant_id", "merged_id", name="uq_customer_merges_merged"),)

    merged_id: Mapped[str] = mapped_column(String(36))
    survivor_id: Mapped[str] = mapped_column(String(36), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)
    summary: Mapped[dict] = mapped_column(default=dict)


# --- CSV import ------------------------------------------------------------------------------


class Import(RecordKeys, JobProgress, Base):
    """An uploaded CSV file and the background job that imports it (customers or work addresses).

    The file itself lives in `import_chunks` (the database, not a disk) so any web or worker
    process can read it. Progress and counts move after every committed batch.
    """

    __tablename__ = "imports"
    __table_args__ = (
        Index("ix_imports_tenant_created", "tenant_id", "created_at"),
        Index("ix_imports_status", "status"),
    )

    kind: Mapped[str] = mapped_column(String(32))  # customers | work_addresses
    status: Mapped[str] = mapped_column(String(16), default="uploaded")
    filename: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    encoding: Mapped[str] = mapped_column(String(32), default="utf-8-sig")
    delimiter: Mapped[str] = mapped_column(String(1), default=",")
    columns: Mapped[list] = mapped_column(default=list)
    sample_rows: Mapped[list] = mapped_column(default=list)
    suggested_mapping: Mapped[dict] = mapped_column(default=dict)
    mapping: Mapped[dict | None] = mapped_column()
    match_key: Mapped[str | None] = mapped_column(String(32))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    refused_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime | None] = mapped_column()


class ImportChunk(FileChunk, Base):
    """One piece (about 1 MiB) of an uploaded file, in order."""

    __tablename__ = "import_chunks"

    import_id: Mapped[str] = mapped_column(ForeignKey("imports.id", ondelete="CASCADE"), primary_key=True)


class ImportIssue(Base):
    """A row the import refused: a validation error (row, field, reason) or a duplicate."""

    __tablename__ = "import_issues"
    __table_args__ = (Index("ix_import_issues_import_row", "import_id", "row_number"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    import_id: Mapped[str] = mapped_column(ForeignKey("imports.id", ondelete="CASCADE"))
    tenant_id: Mapped[str] = mapped_column(String(64))
    row_number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # error | duplicate
    field: Mapped[str | None] = mapped_column(String(100))
    csv_column: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))


# duplicate checks and email match keys compare emails case-insensitively, per batch
Index("ix_customers_tenant_email_lower", Customer.tenant_id, func.lower(Customer.email))


# --- erasure report --------------------------------------------------------------------------


class ErasureReport(Base):
    """What one service reported doing on `customer.erased` (customers' own part included)."""

    __tablename__ = "erasure_reports"
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_id", "service", name="uq_erasure_reports_customer_service"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(36))
    service: Mapped[str] = mapped_column(String(50))
    actions: Mapped[dict] = mapped_column(default=dict)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- export of all customer data -------------------------------------------------------------


class Export(RecordKeys, JobProgress, Base):
    """An export of all the tenant's customer data: a ZIP with one CSV per kind of record, built by
    the worker from every service's part and kept in `export_chunks` (the database, not a disk)."""

    __tablename__ = "exports"
    __table_args__ = (
        Index("ix_exports_tenant_created", "tenant_id", "created_at"),
        Index("ix_exports_status", "status"),
    )

    kind: Mapped[str] = mapped_column(String(32))  # all
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued running completed failed
    progress: Mapped[dict] = mapped_column(default=dict)  # {part: {"status": …, "rows": n}}
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)


class ExportChunk(FileChunk, Base):
    """One piece (about 1 MiB) of an export's ZIP, in order."""

    __tablename__ = "export_chunks"

    export_id: Mapped[str] = mapped_column(ForeignKey("exports.id", ondelete="CASCADE"), primary_key=True)
