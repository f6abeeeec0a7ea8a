"""Use cases behind the API: one function per action, each taking a unit of work.

Nothing here talks to Sage: a re-sync or a resolved review marks the row `pending` and the worker's
sync loop does the rest; a balance poll on demand is a request row the worker's poller answers.
"""

from __future__ import annotations

from sqlalchemy import select

from fieldbook_shared.problems import Conflict, CustomerMerged, ValidationFailed

from ..store.models import NEEDS_REVIEW, CustomerSync, SageBusiness
from ..uow import SyncUnitOfWork


def get_status(uow: SyncUnitOfWork, customer_id: str) -> CustomerSync:
    """The customer's sync status; a merged customer's old id is a 410 naming the survivor, as in
    every service (its row stays in the `/v1/accounting/sync` list, `removed: merged`)."""
    with uow:
        row = uow.syncs.get(customer_id)
        if row.removed == "merged" and row.survivor_id:
            raise CustomerMerged(
                row.survivor_id,
                f"That customer was merged into customer {row.survivor_id}; its accounts link is there now.",
            )
        return row


def list_statuses(uow: SyncUnitOfWork, status: str | None, page: int, page_size: int):
    with uow:
        return uow.syncs.list(status, page, page_size)


def _known(uow: SyncUnitOfWork, customer_ids: list[str], lock: bool = False) -> list[CustomerSync]:
    rows, errors = [], {}
    for i, cid in enumerate(customer_ids):
        row = uow.syncs.find(cid, lock=lock)
        if row is None:
            errors[f"customer_ids.{i}"] = ["accounting-sync has not heard of this customer."]
        rows.append(row)
    if errors:
        raise ValidationFailed(errors)
    return rows


def resync(uow: SyncUnitOfWork, customer_ids: list[str]) -> list[CustomerSync]:
    """SAM's sync button: try these customers again now, from the start (matching included for
    those not linked yet; a full push for those that are)."""
    with uow:
        rows = _known(uow, list(dict.fromkeys(customer_ids)), lock=True)
        for row in rows:
            if row.removed:
                if not row.sage_contact_id:
                    continue
                row.action = "deactivate"
            else:
                row.action = "upsert"
            row.candidates = []
            row.pushed_version = 0
            row.due_now()
        uow.commit()
        return rows


def resolve_review(
    uow: SyncUnitOfWork, customer_id: str, action: str, sage_contact_id: str | None
) -> CustomerSync:
    with uow:
        row = uow.syncs.get(customer_id, lock=True)
        if row.status != NEEDS_REVIEW:
            raise Conflict(
                f"This customer's sync is {row.status}, not needs_review: there is nothing to resolve."
            )
        if action == "link":
            offered = {c.get("sage_contact_id") for c in row.candidates or []}
            if sage_contact_id not in offered:
                raise ValidationFailed(
                    {"sage_contact_id": ["Must be one of this customer's review candidates."]}
                )
            other = uow.syncs.linked_to([sage_contact_id], customer_id)
            if other:
                raise Conflict(
                    f"That Sage contact is already linked to customer {other[sage_contact_id]}. "
                    "Merge the two customers instead, or create a new contact."
                )
            row.review_contact_id = sage_contact_id
        row.action = action
        row.due_now()
        uow.commit()
        return row


def request_balance_poll(uow: SyncUnitOfWork, customer_ids: list[str]):
    with uow:
        if customer_ids:
            _known(uow, customer_ids)
        req = uow.syncs.request_balance_poll(customer_ids, uow.context.actor)
        uow.commit()
        return req


def get_business(uow: SyncUnitOfWork, default: str) -> dict:
    """The Sage business this tenant's customers are synced to."""
    with uow:
        chosen = uow.session.get(SageBusiness, uow.context.tenant_id)
        return _business_view(chosen, default)


def set_business(uow: SyncUnitOfWork, business_id: str, default: str) -> dict:
    """Choose the tenant's Sage business. Refused (409) once customers are linked in another
    business: their Sage contacts live there, so moving them is a migration, not a setting. Refused
    (409) too when another tenant uses that business (its tenant is not named); the deployment's
    default business stays shared (dev, demos)."""
    tenant = uow.context.tenant_id
    with uow:
        chosen = uow.session.get(SageBusiness, tenant, with_for_update=True)
        current = chosen.business_id if chosen is not None else default
        if business_id != current and business_id != default:
            # one Sage business, one tenant: another tenant's customers would be matched and linked
            # to this tenant's contacts (the deployment's shared default is left open for dev)
            used = uow.session.scalar(
                select(SageBusiness.tenant_id)
                .where(SageBusiness.business_id == business_id, SageBusiness.tenant_id != tenant)
                .limit(1)
            )
            if used is not None:
                raise Conflict(
                    f"Sage business {business_id} is already used by another Fieldbook tenant; "
                    "each tenant needs its own Sage business."
                )
        if business_id != current:
            linked = uow.session.scalar(
                select(CustomerSync.customer_id)
                .where(CustomerSync.tenant_id == tenant, CustomerSync.sage_contact_id.is_not(None))
                .limit(1)
            )
            if linked is not None:
                raise Conflict(
                    f"Customers are already linked in Sage business {current}; "
                    "the business cannot change under them."
                )
        if chosen is None:
            chosen = SageBusiness(tenant_id=tenant, business_id=business_id, updated_by=uow.context.actor)
            uow.session.add(chosen)
        else:
            chosen.business_id, chosen.updated_by = business_id, uow.context.actor
        uow.commit()
        return _business_view(chosen, default)


def _business_view(chosen: SageBusiness | None, default: str) -> dict:
    if chosen is None:
        return {"business_id": default, "is_default": True, "updated_at": None, "updated_by": None}
    return {
        "business_id": chosen.business_id,
        "is_default": False,
        "updated_at": chosen.updated_at,
        "updated_by": chosen.updated_by,
    }
