"""What the assets service publishes (snapshot builders) and consumes (handlers).

Published: `asset.created` / `asset.updated` (a full snapshot with its `version`) and
`asset.deleted`. Consumed, from customers: the customer, work address and branch snapshots that
feed the read model (an older `version` than the one held is ignored, a removed customer stays
removed), `customer.merged` (assets move to the survivor), `customer.deleted` (assets go with the
customer), `customer.erased` (the cached name is dropped), `branch.merged` (assets move to the surviving
branch) and `branch.deleted` (assets stop naming the branch, which stays a tombstone).
"""

from __future__ import annotations

from fieldbook_shared.events import Event

from .store.models import Asset


def asset_snapshot(a: Asset) -> dict:
    return {
        "id": a.id,
        "version": a.version,
        "customer_id": a.customer_id,
        "work_address_id": a.work_address_id,
        "branch_id": a.branch_id,
        "serial_number": a.serial_number,
        "technical_reference": a.technical_reference,
        "product_code": a.product_code,
        "model_id": a.model_id,
        "brand": a.brand,
        "description": a.description,
        "product_class": a.product_class,
        "asset_group_id": a.asset_group_id,
        "fuel_type_id": a.fuel_type_id,
        "location_id": a.location_id,
        "make_id": a.make_id,
        "install_date": a.install_date,
        "warranty_expiry": a.warranty_expiry,
        "cost_centre": a.cost_centre,
        "custom_fields": a.custom_fields or {},
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


# --- consumed ------------------------------------------------------------------------------
# The service module imports this one (for the snapshots), so handlers import it when they run.


def on_customer_snapshot(uow, event: Event) -> None:
    from . import service

    service.remember_customer(uow, event.data)


def on_work_address_snapshot(uow, event: Event) -> None:
    from . import service

    service.remember_work_address(uow, event.data)


def on_branch_snapshot(uow, event: Event) -> None:
    from . import service

    service.remember_branch(uow, event.data)


def on_customer_merged(uow, event: Event) -> None:
    from . import service

    service.move_merged_customers_assets(uow, event.data["survivor_id"], event.data["merged_id"])


def on_customer_deleted(uow, event: Event) -> None:
    from . import service

    service.delete_customers_assets(uow, event.data["customer_id"])


def on_customer_erased(uow, event: Event) -> None:
    from . import service

    customer_id = event.data["customer_id"]
    known = uow.directory.customer(customer_id) is not None
    service.forget_customers_name(uow, customer_id)
    uow.publish(
        "customer.erasure_reported",
        {
            "customer_id": customer_id,
            "service": "assets",
            "actions": {
                "customer_name_anonymised": known,
                # the appliances stay on the property: no personal data on an asset
                "assets_kept": len(uow.assets.of_customer(customer_id)),
            },
        },
        subject=customer_id,
    )


def on_branch_merged(uow, event: Event) -> None:
    from . import service

    service.move_merged_branchs_assets(
        uow, event.data["customer_id"], event.data["survivor_id"], event.data["merged_id"]
    )


def on_branch_deleted(uow, event: Event) -> None:
    from . import service

    service.unlink_deleted_branchs_assets(uow, event.data["customer_id"], event.data["id"])


HANDLERS = {
    "customer.created": on_customer_snapshot,
    "customer.updated": on_customer_snapshot,
    "customer.type_changed": on_customer_snapshot,
    "customer.status_changed": on_customer_snapshot,
    "customer.blocked": on_customer_snapshot,
    "customer.unblocked": on_customer_snapshot,
    "customer.merged": on_customer_merged,
    "customer.deleted": on_customer_deleted,
    "customer.erased": on_customer_erased,
    "work_address.created": on_work_address_snapshot,
    "work_address.updated": on_work_address_snapshot,
    "work_address.status_changed": on_work_address_snapshot,
    "branch.created": on_branch_snapshot,
    "branch.updated": on_branch_snapshot,
    "branch.merged": on_branch_merged,
    "branch.deleted": on_branch_deleted,
}
