"""Use cases of service plans: what a tenant sells (price per billing period, visits a year, SLA
response hours, what it covers). A plan in use by a contract is not deleted; a contract keeps the
plan name and SLA it was made on."""

from __future__ import annotations

from fieldbook_shared.etag import ExpectedVersion, check_version
from fieldbook_shared.problems import Conflict

from ..store.models import ServicePlan
from ..uow import ServicingUnitOfWork

PLAN_FIELDS = ("name", "price", "billing_frequency", "visits_per_year", "sla_response_hours", "covers")


def _unique_name(uow: ServicingUnitOfWork, name: str | None, plan_id: str | None = None) -> None:
    same = uow.plans.named(name) if name else None
    if same is not None and same.id != plan_id:
        raise Conflict(f"A service plan is already called {name!r}.", service_plan_id=same.id)


def list_plans(uow: ServicingUnitOfWork) -> list[ServicePlan]:
    with uow:
        return uow.plans.all()


def get_plan(uow: ServicingUnitOfWork, plan_id: str) -> ServicePlan:
    with uow:
        return uow.plans.get(plan_id)


def add_plan(uow: ServicingUnitOfWork, body: dict) -> ServicePlan:
    with uow:
        _unique_name(uow, body["name"])
        plan = ServicePlan(tenant_id=uow.tenant_id, **{k: body.get(k) for k in PLAN_FIELDS})
        uow.session.add(plan)
        uow.commit()
        return plan


def change_plan(uow: ServicingUnitOfWork, plan_id: str, version: ExpectedVersion, body: dict) -> ServicePlan:
    """Contracts already made keep their terms; new ones take the plan as it is now."""
    with uow:
        plan = uow.plans.get(plan_id, lock=True)
        check_version(plan.version, version)
        _unique_name(uow, body.get("name"), plan.id)
        for key, value in body.items():
            setattr(plan, key, value)
        uow.commit()
        return plan


def remove_plan(uow: ServicingUnitOfWork, plan_id: str, version: ExpectedVersion) -> None:
    with uow:
        plan = uow.plans.get(plan_id, lock=True)
        check_version(plan.version, version)
        used = uow.plans.in_use(plan.id)
        if used:
            raise Conflict(f"The plan is on {used} contract(s); it cannot be deleted.", contracts=used)
        uow.session.delete(plan)
        uow.commit()
