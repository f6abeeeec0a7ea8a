"""Use cases of contracts: a customer on a service plan for a term, on some of its work addresses
and assets; changed, renewed (by hand, or at its end date by the worker when it auto-renews),
cancelled, expired. Each change records its `contract.*` event (the outbox, same transaction):
billing keeps the covered work addresses and their SLA from them."""

from __future__ import annotations

from datetime import date

from fieldbook_shared.etag import ExpectedVersion, check_version
from fieldbook_shared.problems import Conflict, NotFound, ValidationFailed

from ..domain import contracts as rules
from ..store.models import Contract
from ..store.queries import ContractFilters
from ..uow import ServicingUnitOfWork

EDITABLE = ("start_date", "end_date", "auto_renew", "work_address_ids", "asset_ids")


def _coverage_errors(uow: ServicingUnitOfWork, customer_id: str, body: dict) -> dict[str, list[str]]:
    """Work addresses and assets servicing knows to be another customer's (or gone) are refused;
    one not heard of yet is taken (customers' and assets' events may still be on their way)."""
    errors: dict[str, list[str]] = {}
    for wa_id in body.get("work_address_ids") or ():
        known = uow.directory.work_address(str(wa_id))
        if known is not None and (known.removed or known.customer_id != customer_id):
            errors.setdefault("work_address_ids", []).append(
                f"{wa_id} is not a work address of this customer."
            )
    for asset_id in body.get("asset_ids") or ():
        known = uow.directory.asset(str(asset_id))
        if known is not None and (known.removed or known.customer_id != customer_id):
            errors.setdefault("asset_ids", []).append(f"{asset_id} is not an asset of this customer.")
    return errors


def _checked(uow: ServicingUnitOfWork, customer_id: str, body: dict, start: date, end: date) -> dict:
    errors = {**rules.term_errors(start, end), **_coverage_errors(uow, customer_id, body)}
    if errors:
        raise ValidationFailed(errors)
    for name in ("work_address_ids", "asset_ids"):
        if name in body:
            body[name] = list(dict.fromkeys(str(i) for i in body[name] or ()))
    return body


def _active(contract: Contract, doing: str) -> None:
    if contract.status != "active":
        raise Conflict(f"The contract is {contract.status}; only an active one can be {doing}.")


def add_contract(uow: ServicingUnitOfWork, customer_id: str, body: dict) -> Contract:
    with uow:
        customer = uow.directory.customer(customer_id)
        if customer is not None and customer.removed:
            raise Conflict("The customer is deleted or merged; no contract can be added.")
        body = _checked(uow, customer_id, dict(body), body["start_date"], body["end_date"])
        plan = uow.plans.get(str(body["plan_id"])) if body.get("plan_id") else None
        if plan is None:
            raise ValidationFailed({"plan_id": ["Required."]})
        contract = Contract(tenant_id=uow.tenant_id, customer_id=customer_id, status="active", term=1)
        contract.on_plan(plan)
        for key in EDITABLE:
            setattr(contract, key, body.get(key, [] if key.endswith("_ids") else False))
        uow.session.add(contract)
        uow.session.flush()
        contract.record("contract.created")
        uow.commit()
        return contract


def list_contracts(uow: ServicingUnitOfWork, filters: ContractFilters, page: int, page_size: int):
    with uow:
        return uow.contracts.page(filters, page, page_size)


def list_customer_contracts(uow: ServicingUnitOfWork, filters: ContractFilters, page: int, page_size: int):
    """A customer's contracts: 404 unless the customer is this tenant's (known from its events, or
    holding a contract here), so another tenant's customer id reveals nothing."""
    with uow:
        found = uow.contracts.page(filters, page, page_size)
        if found[1] == 0 and uow.directory.customer(filters.customer_id) is None:
            raise NotFound("No such customer.")
        return found


def get_contract(uow: ServicingUnitOfWork, contract_id: str) -> Contract:
    with uow:
        return uow.contracts.get(contract_id)


def change_contract(
    uow: ServicingUnitOfWork, contract_id: str, version: ExpectedVersion, body: dict
) -> Contract:
    """Another plan (its name and SLA copied again), term, auto-renew, what it covers."""
    with uow:
        contract = uow.contracts.get(contract_id, lock=True)
        check_version(contract.version, version)
        _active(contract, "changed")
        start, end = body.get("start_date", contract.start_date), body.get("end_date", contract.end_date)
        body = _checked(uow, contract.customer_id, dict(body), start, end)
        if body.get("plan_id"):
            contract.on_plan(uow.plans.get(str(body["plan_id"])))
        for key in EDITABLE:
            if key in body:
                setattr(contract, key, body[key])
        contract.record("contract.updated")
        uow.commit()
        return contract


def renew_contract(uow: ServicingUnitOfWork, contract_id: str) -> Contract:
    """The next term now (before its end date too); an expired contract comes back active."""
    with uow:
        contract = uow.contracts.get(contract_id, lock=True)
        if contract.status == "cancelled":
            raise Conflict("The contract is cancelled; it cannot be renewed.")
        contract.status = "active"
        contract.renew(*rules.next_term(contract.start_date, contract.end_date))
        uow.commit()
        return contract


def cancel_contract(uow: ServicingUnitOfWork, contract_id: str, reason: str) -> Contract:
    with uow:
        contract = uow.contracts.get(contract_id, lock=True)
        _active(contract, "cancelled")
        contract.cancel(reason.strip(), uow.context.actor)
        uow.commit()
        return contract


def settle_end(uow: ServicingUnitOfWork, contract_id: str, today: date) -> str | None:
    """The worker at a contract's end: renew it (auto-renew, on its end date) or expire it (after
    it). The row is locked and the rule read again under the lock, and the version column makes a
    concurrent writer's commit fail: of two workers, one renews, the other finds nothing to do."""
    with uow:
        contract = uow.contracts.get(contract_id, lock=True)
        action = rules.what_is_due(contract.status, contract.end_date, contract.auto_renew, today)
        if action == "renew":
            contract.renew(*rules.next_term(contract.start_date, contract.end_date))
        elif action == "expire":
            contract.expire()
        uow.commit()
        return action


# --- what customers' events do to contracts (handlers.py; inside the event's unit of work) ----------


def follow_merge(uow: ServicingUnitOfWork, merged_id: str, survivor_id: str) -> None:
    """The merged customer's contracts are the survivor's now (`contract.updated`)."""
    for contract in uow.contracts.of_customer(merged_id):
        contract.customer_id = survivor_id
        contract.record("contract.updated")


def end_for_customer(uow: ServicingUnitOfWork, customer_id: str, reason: str) -> int:
    """A deleted or erased customer's active contracts are cancelled (`contract.cancelled`: billing
    stops their SLA); how many."""
    active = [c for c in uow.contracts.of_customer(customer_id) if c.status == "active"]
    for contract in active:
        contract.cancel(reason, uow.context.actor)
    return len(active)
