"""Use cases of jobs: a job without a quote (refused while the account is blocked), reschedule,
assign, move its status."""

from __future__ import annotations

from fieldbook_shared.problems import Conflict

from ..domain import money, rules
from ..store.models import Job
from ..uow import BillingUnitOfWork
from .common import admit, checked_work_address, customer_for, json_line
from .contracts import stamp_sla

# a job's plan: when, by whom, how urgent, what kind of work, where and on what
PLAN_FIELDS = (
    "scheduled_start",
    "scheduled_end",
    "engineer",
    "priority",
    "category",
    "work_address_id",
    "asset_id",
)
JOB_FIELDS = ("description", *PLAN_FIELDS, "service_reminder_id")


def create_job(uow: BillingUnitOfWork, customer_id: str, body: dict) -> Job:
    with uow:
        customer = customer_for(uow, customer_id, lock=True)
        if customer.blocked:
            raise Conflict(rules.BLOCKED_MESSAGE, block_reason=customer.block_reason)
        checked_work_address(uow, customer.id, body.get("work_address_id"))
        lines = [money.priced_line(line) for line in body.get("lines") or []]
        job = Job(
            tenant_id=uow.tenant_id,
            customer_id=customer.id,
            number=uow.counters.next("job"),
            status="open",
            lines=[json_line(line) for line in lines],
            total=money.document_totals(lines).total,
            **{k: body.get(k) for k in JOB_FIELDS},
        )
        stamp_sla(uow, job)
        uow.session.add(job)
        uow.session.flush()
        job.record("job.created")
        admit(uow, customer, "job", refuse_if_blocked=True)
        uow.commit()
        return job


def get_job(uow: BillingUnitOfWork, job_id: str) -> Job:
    with uow:
        return uow.jobs.get(job_id)


def update_job(uow: BillingUnitOfWork, job_id: str, body: dict) -> Job:
    with uow:
        job = uow.jobs.get(job_id, lock=True)
        status = body.pop("status", None)
        job.change(body, status)
        uow.commit()
        return job
