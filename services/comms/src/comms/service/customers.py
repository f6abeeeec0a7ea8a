"""The customer a record is on, as comms knows it: the read model, fetched once from customers when
not heard of yet. Every use case that writes or lists a customer's records goes through here."""

from __future__ import annotations

from fieldbook_shared.problems import CustomerMerged, NotFound, ValidationFailed

from .. import directory
from ..directory import CustomerFetcher
from ..store.models import CustomerCopy
from ..uow import CommsUnitOfWork

MAX_MERGE_HOPS = 10


def fetcher(uow: CommsUnitOfWork) -> CustomerFetcher | None:
    """The customers lookup wired on the unit of work, if any (the worker's and the web's)."""
    return getattr(uow, "customer_fetcher", None)


def live_customer(uow: CommsUnitOfWork, customer_id: str) -> CustomerCopy:
    """A live customer of this tenant (fetched once from customers if not yet heard of), else 404;
    one merged into another is a 410 naming the survivor (`merged_into`, the kit's `CustomerMerged`)."""
    known = uow.directory.customer(str(customer_id))
    if known is not None and known.removed and known.merged_into:
        raise CustomerMerged(
            known.merged_into,
            f"That customer was merged into customer {known.merged_into}; its records are there now.",
        )
    row = directory.ensure(uow, str(customer_id), fetcher(uow))
    if row is None:
        raise NotFound("No customer with that id.")
    return row


def survivor_of(uow: CommsUnitOfWork, row: CustomerCopy) -> CustomerCopy | None:
    """The live customer a merged one now lives on (following merges of merges); None when the
    trail ends at a deleted customer."""
    for _ in range(MAX_MERGE_HOPS):
        if not row.removed:
            return row
        if not row.merged_into:
            return None
        found = uow.directory.customer(row.merged_into) or directory.ensure(
            uow, row.merged_into, fetcher(uow)
        )
        if found is None:
            return None
        row = found
    return None


def check_work_address(uow: CommsUnitOfWork, customer_id: str, work_address_id: str | None) -> None:
    """A work address named on a record must be one of the customer's (as owner)."""
    if not work_address_id:
        return
    known = uow.directory.work_address(work_address_id)
    if known is not None:
        if known.customer_id != customer_id:
            raise ValidationFailed({"work_address_id": ["Not a work address of this customer."]})
        return
    fetch = getattr(uow, "work_address_fetcher", None)
    if fetch is not None:
        data = fetch(uow.tenant_id, customer_id, work_address_id)
        if data is None:
            raise ValidationFailed({"work_address_id": ["Not a work address of this customer."]})
        directory.apply_work_address(uow, {**data, "customer_id": data.get("customer_id", customer_id)})
