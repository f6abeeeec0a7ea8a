"""What the assets service consumes (queue `assets.events`): one handler per event type.

From customers: the customer, work address and branch snapshots that feed the read model (an older
`version` than the one held is ignored, a removed customer stays removed), `customer.merged`
(assets move to the survivor), `customer.deleted` (assets go with the customer), `customer.erased`
(the cached name is dropped), `branch.merged` (assets move to the surviving branch) and
`branch.deleted` (assets stop naming the branch, which stays a tombstone).
"""

from __future__ import annotations

from fieldbook_shared.events import Event

from .service.assets import (
    delete_customers_assets,
    move_merged_branchs_assets,
    move_merged_customers_assets,
    unlink_deleted_branchs_assets,
)
from .service.customers import (
    CUSTOMER_SNAPSHOT,
    WORK_ADDRESS_SNAPSHOT,
    forget_customers_name,
    remember_branch,
)


def on_branch_snapshot(uow, event: Event) -> None:
    remember_branch(uow, event.data)


def on_customer_merged(uow, event: Event) -> None:
    move_merged_customers_assets(uow, event.data["survivor_id"], event.data["merged_id"])


def on_customer_deleted(uow, event: Event) -> None:
    delete_customers_assets(uow, event.data["customer_id"])


def on_customer_erased(uow, event: Event) -> None:
    customer_id = event.data["customer_id"]
    known = uow.directory.customer(customer_id) is not None
    forget_customers_name(uow, customer_id)
    uow.report_erasure(
        customer_id,
        {
            "customer_name_anonymised": known,
            # the appliances stay on the property: no personal data on an asset
            "assets_kept": len(uow.assets.of_customer(customer_id)),
        },
    )


def on_branch_merged(uow, event: Event) -> None:
    move_merged_branchs_assets(
        uow, event.data["customer_id"], event.data["survivor_id"], event.data["merged_id"]
    )


def on_branch_deleted(uow, event: Event) -> None:
    unlink_deleted_branchs_assets(uow, event.data["customer_id"], event.data["id"])


HANDLERS = {
    "customer.created": CUSTOMER_SNAPSHOT,
    "customer.updated": CUSTOMER_SNAPSHOT,
    "customer.type_changed": CUSTOMER_SNAPSHOT,
    "customer.status_changed": CUSTOMER_SNAPSHOT,
    "customer.blocked": CUSTOMER_SNAPSHOT,
    "customer.unblocked": CUSTOMER_SNAPSHOT,
    "customer.merged": on_customer_merged,
    "customer.deleted": on_customer_deleted,
    "customer.erased": on_customer_erased,
    "work_address.created": WORK_ADDRESS_SNAPSHOT,
    "work_address.updated": WORK_ADDRESS_SNAPSHOT,
    "work_address.status_changed": WORK_ADDRESS_SNAPSHOT,
    "branch.created": on_branch_snapshot,
    "branch.updated": on_branch_snapshot,
    "branch.merged": on_branch_merged,
    "branch.deleted": on_branch_deleted,
}
