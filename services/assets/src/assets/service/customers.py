"""The read model of customers' records (customers, work addresses, branches) that assets keeps
from customers' events, fetched once from customers when not heard of yet; and the customer an
asset is on (live, merged → 410, unknown → 404) and its sites."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from fieldbook_shared.problems import CustomerMerged, NotFound

from ..customers_client import CustomerLookup
from ..domain import rules
from ..store.models import KnownBranch, KnownCustomer, KnownWorkAddress
from ..uow import AssetsUnitOfWork


def _copy_for(uow: AssetsUnitOfWork, row, model, data: dict, **key):
    """The copy a snapshot (`data`, with its version) is of: `row`, or a new one (version 0) when none
    is held; and whether the snapshot is newer than it (then its version is taken). A removed
    record's copy is never updated: a late snapshot does not bring it back."""
    if row is None:
        row = model(tenant_id=uow.tenant_id, version=0, removed=False, **key)
        uow.directory.add(row)
    newer = not row.removed and int(data["version"]) > (row.version or 0)
    if newer:
        row.version = int(data["version"])
    return row, newer


def remember_customer(uow: AssetsUnitOfWork, data: dict) -> KnownCustomer:
    """Keep a customer snapshot unless the one held is as new or newer, or the customer is gone."""
    row, newer = _copy_for(
        uow, uow.directory.customer(data["id"]), KnownCustomer, data, customer_id=data["id"]
    )
    if newer:
        row.display_name = data.get("display_name")
        row.status = data.get("status")
    return row


def remember_work_address(uow: AssetsUnitOfWork, data: dict) -> KnownWorkAddress:
    row, newer = _copy_for(
        uow,
        uow.directory.work_address(data["id"]),
        KnownWorkAddress,
        data,
        work_address_id=data["id"],
        customer_id=data["customer_id"],
    )
    if newer:
        row.customer_id = data["customer_id"]
        row.name = data.get("name")
        row.address = data.get("address") or {}
        row.status = data.get("status")
    return row


def remember_branch(uow: AssetsUnitOfWork, data: dict) -> KnownBranch:
    row, newer = _copy_for(
        uow,
        uow.directory.branch(data["id"]),
        KnownBranch,
        data,
        branch_id=data["id"],
        customer_id=data["customer_id"],
    )
    if newer:
        row.customer_id = data["customer_id"]
        row.name = data.get("name")
        row.code = data.get("code")
    return row


def _remember_fetched(uow: AssetsUnitOfWork, remember, data: dict):
    """Store what was fetched; if an event stored the same record meanwhile, keep that one."""
    try:
        with uow.session.begin_nested():
            row = remember(uow, data)
            uow.session.flush()
        return row
    except IntegrityError:
        return remember(uow, data)


def known_customer(uow: AssetsUnitOfWork, lookup: CustomerLookup | None, customer_id: str) -> KnownCustomer:
    """The customer from the read model, fetched once from customers when not yet heard of."""
    known = uow.directory.customer(customer_id)
    if known is None and lookup is not None:
        data = lookup.customer(uow.tenant_id, customer_id)
        if data is not None and str(data.get("id")) == customer_id:
            known = _remember_fetched(uow, remember_customer, data)
    if known is None or known.removed:
        if known is not None and known.merged_into:
            raise CustomerMerged(
                known.merged_into,
                f"That customer was merged into customer {known.merged_into}; its assets are there now.",
            )
        raise NotFound("No customer with that id.")
    return known


def _is_site_of(uow: AssetsUnitOfWork, customer_id: str, site_id: str, held, fetch, remember) -> bool:
    """Whether a work address or branch is the customer's (and not removed): the copy held, else
    (none, or another customer's) the one fetched once from customers."""
    row = held(site_id)
    if (row is None or row.customer_id != customer_id) and fetch is not None:
        data = fetch(uow.tenant_id, customer_id, site_id)
        if data is not None:
            row = _remember_fetched(uow, remember, data)
    return row is not None and not row.removed and row.customer_id == customer_id


def site_errors(
    uow: AssetsUnitOfWork,
    lookup: CustomerLookup | None,
    customer_id: str,
    work_address_id: str | None,
    branch_id: str | None,
) -> dict[str, list[str]]:
    """The errors of an asset's site: the domain's rule, then each site must be the customer's."""
    errors = rules.site_errors(work_address_id, branch_id)
    if errors:
        return errors
    if work_address_id and not _is_site_of(
        uow,
        customer_id,
        work_address_id,
        uow.directory.work_address,
        lookup.work_address if lookup else None,
        remember_work_address,
    ):
        errors["work_address_id"] = ["Not a work address of this customer."]
    if branch_id and not _is_site_of(
        uow, customer_id, branch_id, uow.directory.branch, lookup.branch if lookup else None, remember_branch
    ):
        errors["branch_id"] = ["Not a branch of this customer."]
    return errors


def tombstone_customer(uow: AssetsUnitOfWork, customer_id: str) -> KnownCustomer:
    row = uow.directory.customer(customer_id)
    if row is None:
        row = KnownCustomer(tenant_id=uow.tenant_id, customer_id=customer_id, version=0)
        uow.directory.add(row)
    row.removed = True
    return row


def forget_customers_name(uow: AssetsUnitOfWork, customer_id: str) -> None:
    """customer.erased: the person is anonymised everywhere; the appliances stay on the property."""
    row = uow.directory.customer(customer_id)
    if row is not None:
        row.display_name = None


def branch_tombstone(uow: AssetsUnitOfWork, customer_id: str, branch_id: str) -> KnownBranch:
    """The branch's copy marked removed (made if we never heard of it), so a late snapshot cannot
    bring it back and an asset naming it is refused."""
    row = uow.directory.branch(branch_id)
    if row is None:
        row = KnownBranch(tenant_id=uow.tenant_id, branch_id=branch_id, customer_id=customer_id, version=0)
        uow.directory.add(row)
    row.removed = True
    return row
