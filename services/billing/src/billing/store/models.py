"""SQLAlchemy models of the billing service. Every table carries tenant_id; every query filters by it.

ONE ledger (`ledger_entries`) holds every money movement of a customer: invoice issued or voided,
credit note, payment, account credit, allocation. Each entry says what it does to the customer's
balance (`amount`), to one invoice's outstanding amount (`invoice_id`, `invoice_delta`) and to one
credit source's unallocated amount (`source_id`, `source_delta`). Every figure, statement and
status is a sum over these entries; the documents' own columns only describe them.

The records other services hear about are aggregates (the kit's `Aggregate`): their changes record
their events (`quote.move_to` records quote.status_changed), and the unit of work writes each to
the outbox at commit, dumped from the row through the catalogue's schema.
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
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldbook_shared import clock
from fieldbook_shared.aggregate import Aggregate
from fieldbook_shared.db import AddressColumns, Base, Money, utcnow
from fieldbook_shared.read_model import CopyColumns
from fieldbook_shared.records import CustomerRecordKeys, RecordKeys, Timestamps, Versioned

from ..domain import acceptance_links, recurrence, rules, sla
from ..domain.money import ZERO, vat_breakdown

Qty = Numeric(12, 3)
Rate = Numeric(5, 2)


def timeline_index(table: str) -> Index:
    """The customer's records latest first, and its timeline: a range scan (created_at, id)."""
    return Index(f"ix_{table}_tenant_customer_timeline", "tenant_id", "customer_id", "created_at", "id")


def numbered(table: str) -> tuple:
    """A numbered document's table arguments: its timeline index, and its number unique in the
    tenant (`Counters` gives them out)."""
    return timeline_index(table), UniqueConstraint("tenant_id", "number", name=f"uq_{table}_tenant_number")


# --- read models fed by the customers service ---------------------------------------------------


class CustomerSnapshot(AddressColumns, Base):
    """What billing knows of a customer, from customers' events (or one internal read)."""

    __tablename__ = "customer_snapshots"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    type: Mapped[str | None] = mapped_column(String(50))
    display_name: Mapped[str] = mapped_column(String(300))
    company_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default="active")
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    block_reason: Mapped[str | None] = mapped_column(String(500))
    credit_limit: Mapped[Decimal | None] = mapped_column(Money)
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)
    invoice_address_format: Mapped[str | None] = mapped_column(String(500))
    # the customer's account in Sage once linked (shown on the aged debtors report)
    accounts_ref: Mapped[str | None] = mapped_column(String(8))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # set with `deleted` by customer.merged: the old id answers 410 naming the survivor
    merged_into: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WorkAddressSnapshot(AddressColumns, Base):
    __tablename__ = "work_address_snapshots"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")
    landlord: Mapped[dict | None] = mapped_column(JSON)
    occupier: Mapped[dict | None] = mapped_column(JSON)


# --- numbering -------------------------------------------------------------------------------------


class Counter(Base):
    """The next number of a document kind per tenant; its row is locked FOR UPDATE while numbering."""

    __tablename__ = "counters"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_value: Mapped[int] = mapped_column(Integer, default=1)


# --- documents ---------------------------------------------------------------------------------------


class LineColumns(RecordKeys):
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Qty)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    vat_rate: Mapped[Decimal] = mapped_column(Rate)
    category: Mapped[str] = mapped_column(String(16))
    net: Mapped[Decimal] = mapped_column(Money)
    vat: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)


class TotalsColumns:
    net: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    vat: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))

    @property
    def vat_breakdown(self) -> list[dict]:
        """Net, VAT and total per VAT rate (invoice.issued and credit_note.issued carry it: the
        lines accounting-sync posts to Sage)."""
        return vat_breakdown(self.lines)  # type: ignore[attr-defined]  # each document's lines


class SageLink:
    """The document's id in Sage once accounting-sync posted it (`accounting.document_posted`)."""

    sage_id: Mapped[str | None] = mapped_column(String(64))


class Quote(Aggregate, TotalsColumns, CustomerRecordKeys, Versioned, Timestamps, Base):
    __tablename__ = "quotes"
    __table_args__ = numbered("quotes")

    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    description: Mapped[str | None] = mapped_column(String(500))
    work_address_id: Mapped[str | None] = mapped_column(String(36))
    job_id: Mapped[str | None] = mapped_column(String(36))
    created_by: Mapped[str | None] = mapped_column(String(200))
    converted_at: Mapped[datetime | None] = mapped_column()
    # the customer's answer through the acceptance link: the name they gave, when, and their comment
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_comment: Mapped[str | None] = mapped_column(String(1000))

    lines: Mapped[list[QuoteLine]] = relationship(
        order_by="QuoteLine.position", lazy="selectin", cascade="all, delete-orphan"
    )

    def move_to(self, status: str) -> None:
        """sent, accepted or rejected, as the rules allow (409 otherwise)."""
        rules.quote_transition(self.status, status)
        self.status = status
        self.record("quote.status_changed")

    def terms(self) -> str:
        """What the customer is asked to agree to, as the acceptance link signs it."""
        return acceptance_links.quote_terms(
            self.description,
            ((x.description, x.quantity, x.unit_price, x.vat_rate) for x in self.lines),
            self.total,
        )

    def decide(self, decision: str, name: str, comment: str | None) -> None:
        """The customer accepts or rejects through the acceptance link: once (409 after)."""
        status = rules.link_decision(self.status, decision)
        self.decided_by, self.decided_at, self.decision_comment = name, utcnow(), comment
        self.move_to(status)

    def convert_to(self, job: Job) -> None:
        self.status = "converted"
        self.converted_at = utcnow()
        self.job_id = job.id
        self.record("quote.converted")


class QuoteLine(LineColumns, Base):
    __tablename__ = "quote_lines"

    quote_id: Mapped[str] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)


class Job(Aggregate, CustomerRecordKeys, Versioned, Timestamps, Base):
    __tablename__ = "jobs"
    __table_args__ = numbered("jobs")

    number: Mapped[int] = mapped_column(Integer)
    quote_id: Mapped[str | None] = mapped_column(String(36))
    description: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="open")
    scheduled_start: Mapped[datetime | None] = mapped_column()
    scheduled_end: Mapped[datetime | None] = mapped_column()
    engineer: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(100))
    work_address_id: Mapped[str | None] = mapped_column(String(36))
    asset_id: Mapped[str | None] = mapped_column(String(36))
    # the service reminder it was booked from (servicing): a service job for `asset_id`
    service_reminder_id: Mapped[str | None] = mapped_column(String(36))
    # the value of the work: the converted quote's lines, what its invoice is pre-filled from
    lines: Mapped[list] = mapped_column(JSON, default=list)
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    invoice_id: Mapped[str | None] = mapped_column(String(36))
    completed_at: Mapped[datetime | None] = mapped_column()
    # at a property a contract covers: when the response is due (made + the plan's SLA hours, on
    # the kit's clock), and whether it was completed after that (set at completion)
    sla_due_at: Mapped[datetime | None] = mapped_column()
    sla_breached_at_completion: Mapped[bool | None] = mapped_column("sla_breached", Boolean)

    @property
    def sla_breached(self) -> bool | None:
        """None without an SLA; once completed, whether it was late; while open, whether it is late now."""
        if self.sla_due_at is None:
            return None
        if self.sla_breached_at_completion is not None:
            return self.sla_breached_at_completion
        return self.status != "completed" and sla.sla_late(self.sla_due_at, clock.now())

    def change(self, changes: dict, status: str | None = None) -> None:
        """Reschedule, assign, describe; move to `status` as the rules allow (job.completed when it
        is done, job.updated otherwise)."""
        for key, value in changes.items():
            setattr(self, key, value)
        event = "job.updated"
        if status and status != self.status:
            rules.job_transition(self.status, status)
            self.status = status
            if status == "completed":
                self.completed_at = clock.now()  # a business date: the kit's clock
                if self.sla_due_at is not None:
                    self.sla_breached_at_completion = sla.sla_late(self.sla_due_at, self.completed_at)
                event = "job.completed"
        self.record(event)


class Invoice(Aggregate, TotalsColumns, SageLink, CustomerRecordKeys, Versioned, Timestamps, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        Index("ix_invoices_tenant_customer_date", "tenant_id", "customer_id", "invoice_date"),
        *numbered("invoices"),
        # a recurring invoice's period is invoiced once, whatever the workers do (NULLs are apart)
        UniqueConstraint("recurring_invoice_id", "period_start", name="uq_invoices_recurring_period"),
    )

    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    description: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    # raised by a recurring invoice for the period from period_start to period_end
    recurring_invoice_id: Mapped[str | None] = mapped_column(String(36))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    job_id: Mapped[str | None] = mapped_column(String(36))
    job_ids: Mapped[list] = mapped_column(JSON, default=list)
    consolidated: Mapped[bool] = mapped_column(Boolean, default=False)
    work_address_id: Mapped[str | None] = mapped_column(String(36))
    invoice_address: Mapped[str | None] = mapped_column(Text)
    invoice_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    retention_pct: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0.00"))
    retention_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    issued_at: Mapped[datetime | None] = mapped_column()
    voided_at: Mapped[datetime | None] = mapped_column()

    lines: Mapped[list[InvoiceLine]] = relationship(
        order_by="InvoiceLine.position", lazy="selectin", cascade="all, delete-orphan"
    )

    # Its events carry `outstanding`, which the ledger knows, not the row: the caller gives it.

    def issue(self) -> None:
        self.status = "issued"
        self.issued_at = utcnow()
        self.record("invoice.issued", outstanding=self.total)

    def void(self) -> None:
        """Void keeps the number (no gap)."""
        self.status = "void"
        self.voided_at = utcnow()
        self.record("invoice.voided", outstanding=ZERO)

    def follow(self, outstanding: Decimal) -> None:
        """issued / part_paid / paid from what it still owes: invoice.paid or part_paid, or
        invoice.reopened when it is owed in full again (its allocations were undone)."""
        if self.status not in ("issued", "part_paid", "paid"):
            return
        if outstanding == ZERO:
            new = "paid"
        elif outstanding < self.total:
            new = "part_paid"
        else:
            new = "issued"
        if new != self.status:
            self.status = new
            self.record("invoice.reopened" if new == "issued" else f"invoice.{new}", outstanding=outstanding)


class InvoiceLine(LineColumns, Base):
    __tablename__ = "invoice_lines"

    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[str | None] = mapped_column(String(36))


class CreditNote(Aggregate, TotalsColumns, SageLink, CustomerRecordKeys, Base):
    __tablename__ = "credit_notes"
    __table_args__ = numbered("credit_notes")

    number: Mapped[int] = mapped_column(Integer)
    invoice_id: Mapped[str | None] = mapped_column(String(36))
    description: Mapped[str] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    credit_date: Mapped[date] = mapped_column(Date)
    breakdown: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[CreditNoteLine]] = relationship(
        order_by="CreditNoteLine.position", lazy="selectin", cascade="all, delete-orphan"
    )


class CreditNoteLine(LineColumns, Base):
    __tablename__ = "credit_note_lines"

    credit_note_id: Mapped[str] = mapped_column(ForeignKey("credit_notes.id", ondelete="CASCADE"), index=True)


class Payment(Aggregate, SageLink, CustomerRecordKeys, Base):
    """Money received (`kind` payment) or account credit issued (`kind` account_credit)."""

    __tablename__ = "payments"
    __table_args__ = (timeline_index("payments"),)

    kind: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(200))
    nominal_account: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    received_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # a reversed payment (a bounced cheque) stays, with when, why and who; its ledger entries undo it
    reversed_on: Mapped[date | None] = mapped_column(Date)
    reversal_reason: Mapped[str | None] = mapped_column(String(500))
    reversed_by: Mapped[str | None] = mapped_column(String(200))

    @property
    def status(self) -> str:
        return "reversed" if self.reversed_on else "received"

    def reverse(self, on: date, reason: str, by: str | None, deallocated: list[str]) -> None:
        """A payment that did not happen after all (a bounced cheque); `deallocated`: the
        allocations undone with it."""
        self.reversed_on = on
        self.reversal_reason = reason
        self.reversed_by = by
        self.record("payment.reversed", reason=reason, deallocated=deallocated)


class Allocation(CustomerRecordKeys, Base):
    """Part of a credit source (payment, account credit, credit note) applied to one invoice."""

    __tablename__ = "allocations"
    __table_args__ = (Index("ix_allocations_tenant_invoice", "tenant_id", "invoice_id"),)

    source_type: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(36), index=True)
    invoice_id: Mapped[str] = mapped_column(String(36))
    amount: Mapped[Decimal] = mapped_column(Money)
    allocated_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # de-allocated: the row stays (history), a `deallocation` ledger entry gives the amount back
    deallocated_on: Mapped[date | None] = mapped_column(Date)
    deallocation_reason: Mapped[str | None] = mapped_column(String(500))
    deallocated_by: Mapped[str | None] = mapped_column(String(200))


class Refund(Aggregate, CustomerRecordKeys, Base):
    """Unallocated credit paid back to the customer. Its ledger entries (`kind` refund, one per
    credit source it takes from) raise the balance and lower those sources' unallocated amounts."""

    __tablename__ = "refunds"
    __table_args__ = (timeline_index("refunds"),)

    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(200))
    refunded_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecurringInvoice(Aggregate, TotalsColumns, CustomerRecordKeys, Versioned, Timestamps, Base):
    """A schedule that raises the customer an invoice of the same lines every period (monthly,
    quarterly, yearly) from `start_date` to `end_date`; `next_period` is the index of the next
    period to invoice and `next_date` its first day (domain/recurrence.py). The worker raises a
    period's invoice and moves these on in one transaction (service/recurring_invoices.py)."""

    __tablename__ = "recurring_invoices"
    __table_args__ = (
        Index("ix_recurring_invoices_tenant_customer", "tenant_id", "customer_id", "created_at"),
        # the worker's question, across tenants: which active schedules are due
        Index("ix_recurring_invoices_due", "status", "next_date"),
    )

    contract_id: Mapped[str | None] = mapped_column(String(36))  # servicing's contract, when from one
    frequency: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    next_period: Mapped[int] = mapped_column(Integer, default=0)
    next_date: Mapped[date | None] = mapped_column(Date)  # None once ended or stopped
    description: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    work_address_id: Mapped[str | None] = mapped_column(String(36))
    retention_pct: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0.00"))
    draft: Mapped[bool] = mapped_column(Boolean, default=False)  # raise drafts for a person to issue
    invoices_raised: Mapped[int] = mapped_column(Integer, default=0)
    last_invoice_id: Mapped[str | None] = mapped_column(String(36))
    last_invoice_number: Mapped[int | None] = mapped_column(Integer)
    # the worker's last failure to raise the due period (customers unreachable…), and when to try again
    last_error: Mapped[str | None] = mapped_column(String(500))
    retry_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str | None] = mapped_column(String(200))

    lines: Mapped[list[RecurringInvoiceLine]] = relationship(
        order_by="RecurringInvoiceLine.position", lazy="selectin", cascade="all, delete-orphan"
    )

    def period(self, index: int) -> tuple[date, date]:
        return (
            recurrence.period_start(self.start_date, self.frequency, index),
            recurrence.period_end(self.start_date, self.frequency, index),
        )

    def go_to(self, index: int) -> None:
        """The next period to invoice is `index`; past the end date the schedule has ended."""
        self.next_period = index
        if recurrence.is_over(self.start_date, self.frequency, index, self.end_date):
            self.status, self.next_date = "ended", None
            self.record("recurring_invoice.ended")
        else:
            self.next_date = recurrence.period_start(self.start_date, self.frequency, index)

    def invoiced(self, invoice: Invoice) -> None:
        """The due period's invoice is raised: on to the next period."""
        self.invoices_raised += 1
        self.last_invoice_id, self.last_invoice_number = invoice.id, invoice.number
        self.last_error = self.retry_at = None
        self.record(
            "recurring_invoice.invoiced",
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
        )
        self.go_to(self.next_period + 1)

    def change_status(self, action: str, today: date) -> None:
        """pause, resume (from the first period starting today or later: the periods that began
        while paused are not invoiced) or stop, as domain/recurrence.py allows."""
        self.status = recurrence.transition(self.status, action)
        self.last_error = self.retry_at = None
        if action == "resume":
            start = recurrence.first_period_on_or_after(
                self.start_date, self.frequency, self.next_period, today
            )
            self.go_to(start)
            if self.status == "ended":
                return
        elif action == "stop":
            self.next_date = None
        self.record(f"recurring_invoice.{recurrence.DONE[action]}")


class RecurringInvoiceLine(LineColumns, Base):
    __tablename__ = "recurring_invoice_lines"

    recurring_invoice_id: Mapped[str] = mapped_column(
        ForeignKey("recurring_invoices.id", ondelete="CASCADE"), index=True
    )


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_tenant_customer_date", "tenant_id", "customer_id", "entry_date"),
        Index("ix_ledger_tenant_invoice", "tenant_id", "invoice_id"),
        Index("ix_ledger_tenant_source", "tenant_id", "source_id"),
        Index("ix_ledger_tenant_document", "tenant_id", "document_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(36))
    entry_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(24))  # invoice, invoice_void, credit_note, payment, ...
    document_id: Mapped[str] = mapped_column(String(36))
    reference: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)  # + the customer owes more, − owes less
    invoice_id: Mapped[str | None] = mapped_column(String(36))
    invoice_delta: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    source_id: Mapped[str | None] = mapped_column(String(36))
    source_type: Mapped[str | None] = mapped_column(String(16))
    source_delta: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    due_date: Mapped[date | None] = mapped_column(Date)  # invoices: for ageing
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoredCard(Aggregate, CustomerRecordKeys, Base):
    """A card kept at the payment provider: only its token and what a person needs to recognise it."""

    __tablename__ = "stored_cards"
    __table_args__ = (Index("ix_cards_tenant_customer", "tenant_id", "customer_id"),)

    provider: Mapped[str | None] = mapped_column(String(64))
    provider_token: Mapped[str] = mapped_column(String(255))
    brand: Mapped[str] = mapped_column(String(32))
    last4: Mapped[str] = mapped_column(String(4))
    expiry_month: Mapped[int] = mapped_column(Integer)
    expiry_year: Mapped[int] = mapped_column(Integer)
    name_on_card: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Statement(CustomerRecordKeys, Base):
    """A statement as computed once: its JSON is what the screen shows and what the PDF draws."""

    __tablename__ = "statements"
    __table_args__ = (Index("ix_statements_tenant_customer", "tenant_id", "customer_id"),)

    as_at: Mapped[date] = mapped_column(Date)
    data: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentSettings(Base):
    """One per tenant: what its invoices, quotes and credit notes print (set by an admin).

    `version` is the ETag of the settings and of the logo alike; no row yet is version 0 (the
    defaults). The logo is kept here: one small image per tenant, checked on upload.
    """

    __tablename__ = "document_settings"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    business_name: Mapped[str | None] = mapped_column(String(200))
    address_lines: Mapped[list] = mapped_column(JSON, default=list)
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(200))
    vat_number: Mapped[str | None] = mapped_column(String(32))
    company_number: Mapped[str | None] = mapped_column(String(32))
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account_name: Mapped[str | None] = mapped_column(String(100))
    bank_sort_code: Mapped[str | None] = mapped_column(String(16))
    bank_account_number: Mapped[str | None] = mapped_column(String(34))
    iban: Mapped[str | None] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    terms: Mapped[str | None] = mapped_column(Text)
    footer: Mapped[str | None] = mapped_column(Text)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_media_type: Mapped[str | None] = mapped_column(String(32))
    updated_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def has_logo(self) -> bool:
        return self.logo is not None


# --- the contracts read model (servicing's contract.* events) ---------------------------------------


class ContractCover(CopyColumns, Base):
    """A contract as billing needs it: its term, status and SLA response hours; the work addresses
    it covers are `CoveredWorkAddress` rows, replaced at each newer version."""

    __tablename__ = "contract_covers"
    __table_args__ = (UniqueConstraint("tenant_id", "contract_id", name="uq_contract_covers_tenant_id"),)

    contract_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str | None] = mapped_column(String(16))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    sla_response_hours: Mapped[int | None] = mapped_column(Integer)


class CoveredWorkAddress(Base):
    """A work address a contract covers: a job made there carries the contract's SLA."""

    __tablename__ = "covered_work_addresses"
    __table_args__ = (Index("ix_covered_work_addresses_address", "tenant_id", "work_address_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    contract_id: Mapped[str] = mapped_column(String(36), index=True)
    work_address_id: Mapped[str] = mapped_column(String(36))
