"""Tenant-scoped repositories: intervals, reminders, the chain's sends, the read models, service
plans and contracts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldbook_shared.db import page_of, scan_across_tenants
from fieldbook_shared.problems import NotFound
from fieldbook_shared.uow import Repository

from .models import (
    Contract,
    KnownAsset,
    KnownCustomer,
    KnownWorkAddress,
    ReminderSend,
    ServiceInterval,
    ServicePlan,
    ServiceReminder,
)


class Intervals(Repository):
    def all(self) -> list[ServiceInterval]:
        stmt = self.select(ServiceInterval).order_by(ServiceInterval.scope, ServiceInterval.scope_id)
        return list(self.session.scalars(stmt))

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
        stmt = self.select(ReminderSend, ReminderSend.reminder_id == reminder_id)
        return list(self.session.scalars(stmt.order_by(ReminderSend.created_at, ReminderSend.id)))


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


# --- service plans and contracts --------------------------------------------------------------------


def _one_of_tenant(repo: Repository, model, record_id: str, lock: bool, missing: str):
    stmt = select(model).where(model.tenant_id == repo.tenant_id, model.id == str(record_id))
    found = repo.session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise NotFound(missing)
    return found


class ServicePlans(Repository):
    def all(self) -> list[ServicePlan]:
        stmt = select(ServicePlan).where(ServicePlan.tenant_id == self.tenant_id).order_by(ServicePlan.name)
        return list(self.session.scalars(stmt))

    def get(self, plan_id: str, lock: bool = False) -> ServicePlan:
        return _one_of_tenant(self, ServicePlan, plan_id, lock, "No service plan with that id.")

    def named(self, name: str) -> ServicePlan | None:
        return self.session.scalar(
            select(ServicePlan).where(ServicePlan.tenant_id == self.tenant_id, ServicePlan.name == name)
        )

    def in_use(self, plan_id: str) -> int:
        return len(
            self.session.scalars(
                select(Contract.id).where(Contract.tenant_id == self.tenant_id, Contract.plan_id == plan_id)
            ).all()
        )


@dataclass(frozen=True)
class ContractFilters:
    expiring_before: date | None = None
    customer_id: str | None = None
    status: str | None = None


class Contracts(Repository):
    def get(self, contract_id: str, lock: bool = False) -> Contract:
        return _one_of_tenant(self, Contract, contract_id, lock, "No contract with that id.")

    def of_customer(self, customer_id: str) -> list[Contract]:
        stmt = select(Contract).where(
            Contract.tenant_id == self.tenant_id, Contract.customer_id == customer_id
        )
        return list(self.session.scalars(stmt.order_by(Contract.id).with_for_update()))

    def page(self, filters: ContractFilters, page: int, page_size: int) -> tuple[list, int]:
        """Soonest end first: `expiring_before` lists the active ones that end before that day."""
        stmt = select(Contract).where(Contract.tenant_id == self.tenant_id)
        if filters.expiring_before is not None:
            stmt = stmt.where(Contract.end_date < filters.expiring_before, Contract.status == "active")
        if filters.customer_id is not None:
            stmt = stmt.where(Contract.customer_id == filters.customer_id)
        if filters.status is not None:
            stmt = stmt.where(Contract.status == filters.status)
        return page_of(self.session, stmt.order_by(Contract.end_date, Contract.id), page, page_size)


def ending_contracts(session: Session, until: date, after: tuple[str, str] | None, limit: int) -> list:
    """The renewal loop's scan across tenants: active contracts ending on or before `until`."""
    where = (Contract.status == "active", Contract.end_date <= until)
    return scan_across_tenants(session, Contract, *where, after=after, limit=limit)
