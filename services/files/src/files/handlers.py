"""What the files service consumes (queue `files.events`): one handler per event type.

From customers: `customer.merged` (the files move to the survivor's record), `customer.deleted` and
`customer.erased` (every file on the record is removed, its bytes from the store too; the erasure is
reported). From assets: `asset.deleted` (the asset's files go with it).
"""

from __future__ import annotations

from fieldbook_shared.events import Event

from .domain import owners
from .service.files import move_merged_customers_files, remove_customers_files, remove_owners_files


def on_customer_merged(uow, event: Event) -> None:
    move_merged_customers_files(uow, event.data["survivor_id"], event.data["merged_id"])


def on_customer_deleted(uow, event: Event) -> None:
    remove_customers_files(uow, event.data["customer_id"], "customer_deleted")


def on_customer_erased(uow, event: Event) -> None:
    customer_id = event.data["customer_id"]
    removed = remove_customers_files(uow, customer_id, "customer_erased")
    uow.report_erasure(customer_id, {"files_removed": removed})


def on_asset_deleted(uow, event: Event) -> None:
    remove_owners_files(uow, owners.ASSET, event.data["id"])


HANDLERS = {
    "customer.merged": on_customer_merged,
    "customer.deleted": on_customer_deleted,
    "customer.erased": on_customer_erased,
    "asset.deleted": on_asset_deleted,
}
