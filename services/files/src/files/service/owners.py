"""The record a file hangs on: asked of its owning service (owners_client.py), it must exist for
this tenant (404 otherwise, never another tenant's), and says whose customer's record it is on."""

from __future__ import annotations

from typing import Protocol

from fieldbook_shared.problems import NotFound

from ..domain import owners
from ..uow import FilesUnitOfWork


class OwnerLookup(Protocol):
    def owner(self, tenant_id: str, attached_to: str, owner_id: str) -> dict | None: ...


def owning_customer(
    uow: FilesUnitOfWork, lookup: OwnerLookup, attached_to: str, owner_id: str
) -> tuple[str, str | None]:
    """(the customer's id, the work address's id when the owner is one) of the owning record."""
    record = lookup.owner(uow.tenant_id, attached_to, str(owner_id))
    if record is None:
        raise NotFound(owners.NOT_FOUND[attached_to])
    if attached_to == owners.CUSTOMER:
        return str(record["id"]), None
    customer_id = record.get("customer_id")
    if not customer_id:
        raise NotFound(owners.NOT_FOUND[attached_to])
    work_address_id = str(owner_id) if attached_to == owners.WORK_ADDRESS else record.get("work_address_id")
    return str(customer_id), work_address_id
