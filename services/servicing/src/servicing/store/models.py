"""SQLAlchemy models of the servicing service. Every table carries tenant_id; every query filters by it.

- service intervals: months between services for an asset type (the assets catalogue's asset
  group), a work address or one asset;
- service reminders: one per asset, its next service date and the office's last decision on it;
  a reminder records `service_reminder.booked` (billing makes the job);
- reminder sends: one row per (reminder, service date, stage) of the reminder chain, unique, so a
  stage is claimed once however many workers run it (docs/architecture.md §5, servicing);
- the read models: customers, work addresses (from customers' events) and assets (from assets'
  events), with the kit's rule (newer version wins, a removed record stays removed);
- service plans and contracts: a plan's price, visits and SLA; a customer's contract on a plan
  (term, auto-renew, covered work addresses and assets), which records `contract.*`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fieldbook_shared.aggregate import Aggregate
from fieldbook_shared.db import Base, Money, utcnow
from fieldbook_shared.read_model import CopyColumns
from fieldbook_shared.records import RecordKeys, Timestamps, Versioned

# what an interval is set on, most specific first (domain.rules.interval_for)
SCOPES = ("asset", "work_address", "asset_group")


class ServiceInterval(RecordKeys, Versioned, Timestamps, Base):
    __tablename__ = "service_intervals"
    __table_args__ = (UniqueConstraint("tenant_id", "scope", "scope_id", name="uq_service_intervals_scope"),)

    scope: Mapped[str] = mapped_column(String(16))  # asset | work_address | asset_group
    scope_id: Mapped[str] = mapped_column(String(36))
    months: Mapped[int] = mapped_column(Integer)


class ServiceReminder(Aggregate, RecordKeys, Versioned, Timestamps, Base):
    """An asset's next service and what the office decided about it."""

    __tablename__ = "service_reminders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "asset_id", name="uq_service_reminders_asset"),
        Index("ix_service_reminders_due", "tenant_id", "due_date"),
        Index("ix_service_reminders_work_address", "tenant_id", "work_address_id"),
        # the chain's scan, across tenants: the reminders still waiting, by date
        Index("ix_service_reminders_status_due", "status", "due_date"),
    )

    asset_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    work_address_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16), default="due")
    interval_months: Mapped[int | None] = mapped_column(Integer)
    last_service_date: Mapped[date | None] = mapped_column(Date)
    last_job_id: Mapped[str | None] = mapped_column(String(36))
    due_date: Mapped[date | None] = mapped_column(Date)
    due_set_by_hand: Mapped[date | None] = mapped_column(Date)  # a date set by hand or a postponement
    booked_for: Mapped[date | None] = mapped_column(Date)
    job_id: Mapped[str | None] = mapped_column(String(36))
    # why it was postponed or cancelled, or why billing refused its booking
    reason: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column()
    removed: Mapped[bool] = mapped_column(Boolean, default=False)  # its asset is gone

    def decide(self, decision: str, day: date | None, reason: str | None, by: str, summary: str) -> None:
        """Book (billing makes the job: `service_reminder.booked`), postpone to `day` (the next
        service date moves, the reason is kept) or cancel (with the reason)."""
        self.reason, self.decided_by, self.decided_at = reason, by, utcnow()
        if decision == "book":
            self.status, self.booked_for, self.job_id = "booked", day, None  # its job: job.created
            self.record("service_reminder.booked", date=day, description=f"Service: {summary}")
        elif decision == "postpone":
            self.status, self.due_set_by_hand, self.due_date = "postponed", day, day
        else:
            self.status = "cancelled"

    def booking_refused(self, reason: str) -> None:
        """billing made no job for the booking (the customer blocked, deleted or merged): due again,
        so the chain and the office see it, with billing's reason kept (the booked day is dropped)."""
        self.status, self.booked_for, self.job_id = "due", None, None
        self.reason = f"Booking refused: {reason}"[:500]
        self.decided_by, self.decided_at = "billing", utcnow()

    def serviced(self, on: date, job_id: str, next_due: date | None) -> None:
        """A service job was completed: the next one follows it, and the reminder waits again."""
        self.last_service_date, self.last_job_id = on, job_id
        self.due_set_by_hand, self.booked_for, self.reason = None, None, None
        self.status, self.due_date = "due", next_due


class ReminderSend(RecordKeys, Base):
    """One stage of the reminder chain for one service date: requested from comms, or skipped with
    the reason. The unique key is the claim: of two workers, one inserts it, the other is refused."""

    __tablename__ = "reminder_sends"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reminder_id", "due_date", "stage", name="uq_reminder_sends_stage"),
    )

    reminder_id: Mapped[str] = mapped_column(String(36), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(16))  # first | second | overdue
    status: Mapped[str] = mapped_column(String(16))  # requested | skipped
    reason: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(16))  # email | letter (none when skipped)
    message_key: Mapped[str] = mapped_column(String(200))
    on_day: Mapped[date] = mapped_column(Date)  # the chain's day (the kit's clock) it was decided on
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- the read models -------------------------------------------------------------------------------


class KnownCustomer(CopyColumns, Base):
    __tablename__ = "known_customers"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_id", name="uq_known_customers_tenant_id"),)

    customer_id: Mapped[str] = mapped_column(String(36))
    display_name: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str | None] = mapped_column(String(16))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    communication_preferences: Mapped[dict] = mapped_column(default=dict)
    merged_into: Mapped[str | None] = mapped_column(String(36))


class KnownWorkAddress(CopyColumns, Base):
    __tablename__ = "known_work_addresses"
    __table_args__ = (
        UniqueConstraint("tenant_id", "work_address_id", name="uq_known_work_addresses_tenant_id"),
    )

    work_address_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str | None] = mapped_column(String(16))
    communication_preferences: Mapped[dict] = mapped_column(default=dict)

    @property
    def one_line(self) -> str:
        """The work address as a reminder names it: its name, first line, town and postcode."""
        address = self.address or {}
        parts = (self.name, address.get("line_1"), address.get("town"), address.get("postcode"))
        return ", ".join(p for p in parts if p)


class KnownAsset(CopyColumns, Base):
    __tablename__ = "known_assets"
    __table_args__ = (UniqueConstraint("tenant_id", "asset_id", name="uq_known_assets_tenant_id"),)

    asset_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str | None] = mapped_column(String(36))
    work_address_id: Mapped[str | None] = mapped_column(String(36))
    asset_group_id: Mapped[str | None] = mapped_column(String(36), index=True)
    brand: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(500))
    serial_number: Mapped[str | None] = mapped_column(String(100))
    install_date: Mapped[date | None] = mapped_column(Date)

    @property
    def summary(self) -> str:
        """What a reminder calls the asset: brand, description, serial number."""
        what = " ".join(p for p in (self.brand, self.description) if p) or "Asset"
        return f"{what} (serial {self.serial_number})" if self.serial_number else what


# --- service plans and contracts --------------------------------------------------------------------


class ServicePlan(RecordKeys, Versioned, Timestamps, Base):
    """What a tenant sells: a price per billing period, visits a year, the SLA response time, what
    it covers."""

    __tablename__ = "service_plans"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_service_plans_name"),)

    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal] = mapped_column(Money)
    billing_frequency: Mapped[str] = mapped_column(String(16))
    visits_per_year: Mapped[int] = mapped_column(Integer)
    sla_response_hours: Mapped[int | None] = mapped_column(Integer)
    covers: Mapped[str | None] = mapped_column(Text)


class Contract(Aggregate, RecordKeys, Versioned, Timestamps, Base):
    """A customer's contract on a plan. The plan's name and SLA are copied when it is made (or its
    plan changed): a contract keeps the terms it was signed on."""

    __tablename__ = "contracts"
    __table_args__ = (
        Index("ix_contracts_tenant_customer_timeline", "tenant_id", "customer_id", "created_at", "id"),
        Index("ix_contracts_tenant_end", "tenant_id", "end_date"),
        # the renewal loop's scan, across tenants: active contracts by end date
        Index("ix_contracts_status_end", "status", "end_date"),
    )

    customer_id: Mapped[str] = mapped_column(String(36))
    plan_id: Mapped[str] = mapped_column(String(36))
    plan_name: Mapped[str] = mapped_column(String(200))
    sla_response_hours: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=False)
    term: Mapped[int] = mapped_column(Integer, default=1)
    work_address_ids: Mapped[list] = mapped_column(JSON, default=list)
    asset_ids: Mapped[list] = mapped_column(JSON, default=list)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancelled_by: Mapped[str | None] = mapped_column(String(200))
    renewed_at: Mapped[datetime | None] = mapped_column()

    def on_plan(self, plan: ServicePlan) -> None:
        self.plan_id, self.plan_name, self.sla_response_hours = plan.id, plan.name, plan.sla_response_hours

    def renew(self, start: date, end: date) -> None:
        self.start_date, self.end_date, self.term = start, end, self.term + 1
        self.renewed_at = utcnow()
        self.record("contract.renewed")

    def cancel(self, reason: str, by: str) -> None:
        self.status, self.cancel_reason, self.cancelled_by = "cancelled", reason, by
        self.cancelled_at = utcnow()
        self.record("contract.cancelled")

    def expire(self) -> None:
        self.status = "expired"
        self.record("contract.expired")
