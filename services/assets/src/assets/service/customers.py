"""The read model of customers' records (customers, work addresses, branches) that assets keeps
from customers' events, fetched once from customers when not heard of yet; and the customer an
asset is on (live, merged → 410, unknown → 404) and its sites."""

from __future__ import annotations

from fieldbook_shared.messaging.snapshots import copy_handler
from fieldbook_shared.problems import CustomerMerged, NotFound
from fieldbook_shared.read_model import ReadModel, copy_fields, customer_of

from ..customers_client import CustomerLookup
from ..domain import rules
from ..store.models import KnownBranch, KnownCustomer, KnownWorkAddress
from ..uow import AssetsUnitOfWork

# the copies, with the kit's rule: newer version wins, a removed record stays removed, fetch once
CUSTOMERS = ReadModel(KnownCustomer, key="customer_id")
WORK_ADDRESSES = ReadModel(KnownWorkAddress, key="work_address_id")
BRANCHES = ReadModel(KnownBranch, key="branch_id")


def _copy_customer(row: KnownCustomer, data: dict) -> None:
    copy_fields(row, data, "display_name", "status")


def _copy_work_address(row: KnownWorkAddress, data: dict) -> None:
    copy_fields(row, data, "customer_id", "name", "status")
    row.address = data.get("address") or {}


# the handlers of their snapshot events: a backlog (an import's) is taken a batch at a time
CUSTOMER_SNAPSHOT = copy_handler(CUSTOMERS, _copy_customer)
WORK_ADDRESS_SNAPSHOT = copy_handler(WORK_ADDRESSES, _copy_work_address, customer_of)


def remember_customer(uow: AssetsUnitOfWork, data: dict) -> KnownCustomer:
    """Keep a customer snapshot unless the one held is as new or newer, or the customer is gone."""
    return CUSTOMERS.keep(uow.session, uow.tenant_id, data, _copy_customer)


def remember_work_address(uow: AssetsUnitOfWork, data: dict) -> KnownWorkAddress:
    return WORK_ADDRESSES.keep(uow.session, uow.tenant_id, data, _copy_work_address, customer_of)


def remember_branch(uow: AssetsUnitOfWork, data: dict) -> KnownBranch:
    row, newer = BRANCHES.take(uow.session, uow.tenant_id, data, customer_id=data["customer_id"])
    if newer:
        copy_fields(row, data, "customer_id", "name", "code")
    return row


def known_customer(uow: AssetsUnitOfWork, lookup: CustomerLookup | None, customer_id: str) -> KnownCustomer:
    """The customer from the read model, fetched once from customers when not yet heard of."""
    known = CUSTOMERS.fetch_once(
        uow.session,
        uow.tenant_id,
        customer_id,
        None if lookup is None else lambda: lookup.customer(uow.tenant_id, customer_id),
        lambda data: remember_customer(uow, data),
    )
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
            row = remember(uow, data)
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
    return CUSTOMERS.tombstone(uow.session, uow.tenant_id, customer_id)


def forget_customers_name(uow: AssetsUnitOfWork, customer_id: str) -> None:
    """customer.erased: the person is anonymised everywhere; the appliances stay on the property."""
    row = uow.directory.customer(customer_id)
    if row is not None:
        row.display_name = None


def branch_tombstone(uow: AssetsUnitOfWork, customer_id: str, branch_id: str) -> KnownBranch:
    """The branch's copy marked removed (made if we never heard of it), so a late snapshot cannot
    bring it back and an asset naming it is refused."""
    return BRANCHES.tombstone(uow.session, uow.tenant_id, branch_id, customer_id=customer_id)
