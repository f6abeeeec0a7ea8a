"""Contracts as billing needs them (servicing owns them; `contract.*` events): which work addresses
each covers, its term, status and SLA response hours (the kit's read-model rule: a newer version
wins). A job made at a covered work address carries its SLA due time (`stamp_sla`)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete

from fieldbook_shared import clock
from fieldbook_shared.read_model import ReadModel

from ..domain import sla
from ..store.models import ContractCover, CoveredWorkAddress, Job
from ..store.queries import contract_covers_at
from ..uow import BillingUnitOfWork

CONTRACTS = ReadModel(ContractCover, key="contract_id", removed=None)


def _day(value) -> date | None:
    """A date of the event's data: a string on the wire, a date when loaded by its schema."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def remember_contract(uow: BillingUnitOfWork, data: dict) -> None:
    """A contract's snapshot (made, changed, renewed, cancelled, expired): kept when newer, its
    covered work addresses replaced."""
    row, newer = CONTRACTS.take(uow.session, uow.tenant_id, data)
    if not newer:
        return
    row.customer_id, row.status = data.get("customer_id"), data.get("status")
    row.start_date, row.end_date = _day(data.get("start_date")), _day(data.get("end_date"))
    row.sla_response_hours = data.get("sla_response_hours")
    uow.session.execute(
        delete(CoveredWorkAddress).where(
            CoveredWorkAddress.tenant_id == uow.tenant_id, CoveredWorkAddress.contract_id == row.contract_id
        )
    )
    for work_address_id in dict.fromkeys(data.get("work_address_ids") or ()):
        uow.session.add(
            CoveredWorkAddress(
                tenant_id=uow.tenant_id, contract_id=row.contract_id, work_address_id=work_address_id
            )
        )


def stamp_sla(uow: BillingUnitOfWork, job: Job) -> None:
    """A new job at a covered work address: due a response within the shortest SLA of the
    contracts covering it that day (the kit's clock, which tests move)."""
    if not job.work_address_id:
        return
    now = clock.now()
    hours = sla.covering_hours(
        contract_covers_at(uow.session, uow.tenant_id, job.work_address_id), now.date()
    )
    if hours is not None:
        job.sla_due_at = sla.sla_due(now, hours)
