"""Tenant-scoped repositories: intervals, reminders, the chain's sends and the read models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldbook_shared.db import page_of
from fieldbook_shared.problems import NotFound

from .models import (
    KnownAsset,
    KnownCustomer,
    KnownWorkAddress,
    ReminderSend,
    ServiceInterval,
    ServiceReminder,
)


class Repository:
    def __init__(self, session: Session, tenant_id: str):
        self.session = session
        self.tenant_id = tenant_id


class Intervals(Repository):
    def all(self) -> list[ServiceInterval]:
        return list(
            self.session.scalars(
                select(ServiceInterval)
                .where(ServiceInterval.tenant_id == self.tenant_id)
                .order_by(ServiceInterval.scope, ServiceInterval.scope_id)
            )
        )

    def find(self, scope: str, scope_id: str | None) -> ServiceInterval | None:
        if not scope_id:
            return None
        return self.session.scalar(
            select(ServiceInterval).where(
                ServiceInterval.tenant_id == self.tenant_id,
                ServiceInterval.scope == scope,
                ServiceInterval.scope_id == scope_id,
            )
        )

    def months(self, scope: str, scope_id: str | None) -> int | None:
        found = self.find(scope, scope_id)
        return found.months if found else None


@dataclass(frozen=True)
class ReminderFilters:
    due_before: date | None = None
    work_address_id: str | None = None
    customer_id: str | None = None
    asset_id: str | None = None
    status: str | None = None


class Reminders(Repository):
    def _select(self):
        return select(ServiceReminder).where(
            ServiceReminder.tenant_id == self.tenant_id, ServiceReminder.removed.is_(False)
        )

    def get(self, reminder_id: str, lock: bool = False) -> ServiceReminder:
        stmt = self._select().where(ServiceReminder.id == str(reminder_id))
        found = self.session.scalar(stmt.with_for_update() if lock else stmt)
        if found is None:
            raise NotFound("No service reminder with that id.")
        return found

    def of_id(self, reminder_id: str | None) -> ServiceReminder | None:
        """The reminder (removed too), or None: for events that may name one that is gone."""
        if not reminder_id:
            return None
        return self.session.scalar(
            select(ServiceReminder).where(
                ServiceReminder.tenant_id == self.tenant_id, ServiceReminder.id == str(reminder_id)
            )
        )

    def by_ids(self, ids: list[str]) -> list[ServiceReminder]:
        """The reminders named, locked, in a fixed order (two batches over the same ones never deadlock)."""
        stmt = self._select().where(ServiceReminder.id.in_(ids)).order_by(ServiceReminder.id)
        return list(self.session.scalars(stmt.with_for_update()))

    def of_asset(self, asset_id: str) -> ServiceReminder | None:
        return self.session.scalar(
            select(ServiceReminder).where(
                ServiceReminder.tenant_id == self.tenant_id, ServiceReminder.asset_id == asset_id
            )
        )

    def of_customer(self, customer_id: str) -> list[ServiceReminder]:
        return list(self.session.scalars(self._select().where(ServiceReminder.customer_id == customer_id)))

    def page(self, filters: ReminderFilters, page: int, page_size: int) -> tuple[list, int]:
        """What is due, soonest first (reminders without a date last)."""
        stmt = self._select()
        if filters.due_before is not None:
            stmt = stmt.where(ServiceReminder.due_date < filters.due_before)
        for name in ("work_address_id", "customer_id", "asset_id", "status"):
            value = getattr(filters, name)
            if value is not None:
                stmt = stmt.where(getattr(ServiceReminder, name) == value)
        stmt = stmt.order_by(ServiceReminder.due_date.is_(None), ServiceReminder.due_date, ServiceReminder.id)
        return page_of(self.session, stmt, page, page_size)

    def sends(self, reminder_id: str) -> list[ReminderSend]:
        return list(
            self.session.scalars(
                select(ReminderSend)
                .where(ReminderSend.tenant_id == self.tenant_id, ReminderSend.reminder_id == reminder_id)
                .order_by(ReminderSend.created_at, ReminderSend.id)
            )
        )


class Directory(Repository):
    """The read models: customers, work addresses, assets."""

    def customer(self, customer_id: str | None) -> KnownCustomer | None:
        return self._one(KnownCustomer, KnownCustomer.customer_id, customer_id)

    def work_address(self, work_address_id: str | None) -> KnownWorkAddress | None:
        return self._one(KnownWorkAddress, KnownWorkAddress.work_address_id, work_address_id)

    def asset(self, asset_id: str | None) -> KnownAsset | None:
        return self._one(KnownAsset, KnownAsset.asset_id, asset_id)

    def assets_where(self, **columns: str) -> list[KnownAsset]:
        stmt = select(KnownAsset).where(KnownAsset.tenant_id == self.tenant_id, KnownAsset.removed.is_(False))
        for name, value in columns.items():
            stmt = stmt.where(getattr(KnownAsset, name) == value)
        return list(self.session.scalars(stmt))

    def _one(self, model, column, value):
        if not value:
            return None
        return self.session.scalar(select(model).where(model.tenant_id == self.tenant_id, column == value))


def waiting_reminders(session: Session, until: date, after: tuple[str, str] | None, limit: int) -> list:
    """The chain's scan across tenants: reminders still waiting for a service (due or postponed)
    whose date is on or before `until`, in (tenant, id) order after the key `after`."""
    stmt = select(ServiceReminder.tenant_id, ServiceReminder.id).where(
        ServiceReminder.status.in_(("due", "postponed")),
        ServiceReminder.removed.is_(False),
        ServiceReminder.due_date.is_not(None),
        ServiceReminder.due_date <= until,
    )
    if after is not None:
        stmt = stmt.where(
            (ServiceReminder.tenant_id > after[0])
            | ((ServiceReminder.tenant_id == after[0]) & (ServiceReminder.id > after[1]))
        )
    return list(session.execute(stmt.order_by(ServiceReminder.tenant_id, ServiceReminder.id).limit(limit)))
