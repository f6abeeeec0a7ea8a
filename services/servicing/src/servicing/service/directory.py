"""The read models servicing keeps: customers and work addresses (customers' events: status,
block, communication preferences, the address a reminder names) and assets (assets' events: the
customer, work address, asset type and install date a reminder is worked out from)."""

from __future__ import annotations

from datetime import date

from fieldbook_shared.messaging.snapshots import copy_handler
from fieldbook_shared.read_model import ReadModel, copy_fields, customer_of

from ..store.models import KnownAsset, KnownCustomer, KnownWorkAddress
from ..uow import ServicingUnitOfWork

# the copies, with the kit's rule: newer version wins, a removed record stays removed
CUSTOMERS = ReadModel(KnownCustomer, key="customer_id")
WORK_ADDRESSES = ReadModel(KnownWorkAddress, key="work_address_id")
ASSETS = ReadModel(KnownAsset, key="asset_id")


def _copy_customer(row: KnownCustomer, data: dict) -> None:
    copy_fields(row, data, "display_name", "status")
    row.blocked = bool(data.get("blocked"))
    row.communication_preferences = dict(data.get("communication_preferences") or {})


def _copy_work_address(row: KnownWorkAddress, data: dict) -> None:
    copy_fields(row, data, "customer_id", "name", "status")
    row.address = dict(data.get("address") or {})
    row.communication_preferences = dict(data.get("communication_preferences") or {})


# the handlers of their snapshot events: a backlog (an import's) is taken a batch at a time
CUSTOMER_SNAPSHOT = copy_handler(CUSTOMERS, _copy_customer)
WORK_ADDRESS_SNAPSHOT = copy_handler(WORK_ADDRESSES, _copy_work_address, customer_of)


def remember_asset(uow: ServicingUnitOfWork, data: dict) -> tuple[KnownAsset, bool]:
    """The asset's copy, and whether the snapshot was newer than the one held."""
    row, newer = ASSETS.take(uow.session, uow.tenant_id, data)
    if newer:
        copy_fields(
            row,
            data,
            "customer_id",
            "work_address_id",
            "asset_group_id",
            "brand",
            "description",
            "serial_number",
        )
        installed = data.get("install_date")
        row.install_date = date.fromisoformat(installed) if isinstance(installed, str) else installed
    return row, newer


def forget_asset(uow: ServicingUnitOfWork, asset_id: str) -> KnownAsset:
    return ASSETS.tombstone(uow.session, uow.tenant_id, asset_id)


def forget_customer(
    uow: ServicingUnitOfWork, customer_id: str, merged_into: str | None = None
) -> KnownCustomer:
    """Deleted, erased or merged: the copy stays flagged (a late snapshot cannot bring it back),
    without its name."""
    values = {"merged_into": merged_into} if merged_into else {}
    row = CUSTOMERS.tombstone(uow.session, uow.tenant_id, customer_id, **values)
    row.display_name = None
    return row
