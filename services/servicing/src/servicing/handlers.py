"""What the servicing service consumes (queue `servicing.events`): one handler per event type.

From customers: customer and work address snapshots (status, block, communication preferences,
the address a reminder names), merges, deletes and erasure (a merged customer's contracts move to
the survivor; a deleted or erased one's active contracts are cancelled). From assets: asset
snapshots (customer, work address, asset type, install date) — each makes, moves or drops the
asset's reminder. From
billing: `job.created` (the job a booking asked for: its id goes on the reminder) and
`job.completed` (a service job done: the next service follows it) and
`service_reminder.booking_refused` (no job for a booking: the reminder is due again, the reason kept).
"""

from __future__ import annotations

from fieldbook_shared.events import Event
from fieldbook_shared.events.catalogue.customers import CUSTOMER_SNAPSHOTS

from .service.contracts import end_for_customer, follow_merge
from .service.directory import (
    CUSTOMER_SNAPSHOT,
    WORK_ADDRESS_SNAPSHOT,
    forget_asset,
    forget_customer,
    remember_asset,
)
from .service.reminders import booking_refused, follow_asset, is_service_job, job_booked, service_done
from .uow import ServicingUnitOfWork


def on_customer_merged(uow: ServicingUnitOfWork, event: Event) -> None:
    """The merged customer's assets move to the survivor in assets, whose asset.updated moves their
    reminders; the copy stays a tombstone."""
    forget_customer(uow, event.data["merged_id"], merged_into=event.data["survivor_id"])
    follow_merge(uow, event.data["merged_id"], event.data["survivor_id"])


def on_customer_deleted(uow: ServicingUnitOfWork, event: Event) -> None:
    """Its assets go with it in assets (asset.deleted drops their reminders)."""
    forget_customer(uow, event.data["customer_id"])
    end_for_customer(uow, event.data["customer_id"], "customer deleted")


def on_customer_erased(uow: ServicingUnitOfWork, event: Event) -> None:
    customer_id = event.data["customer_id"]
    known = uow.directory.customer(customer_id) is not None
    forget_customer(uow, customer_id)
    cancelled = end_for_customer(uow, customer_id, "customer erased")
    uow.report_erasure(
        customer_id,
        {
            "customer_name_anonymised": known,
            # the appliances' service dates stay with the property: nothing personal in them
            "service_reminders_kept": len(uow.reminders.of_customer(customer_id)),
            "contracts_cancelled": cancelled,
        },
    )


def on_asset_snapshot(uow: ServicingUnitOfWork, event: Event) -> None:
    asset, newer = remember_asset(uow, event.data)
    if newer:
        follow_asset(uow, asset)


def on_asset_deleted(uow: ServicingUnitOfWork, event: Event) -> None:
    follow_asset(uow, forget_asset(uow, event.data["id"]))


def on_job_created(uow: ServicingUnitOfWork, event: Event) -> None:
    if event.data.get("service_reminder_id"):
        job_booked(uow, event.data["service_reminder_id"], event.data["id"])


def on_booking_refused(uow: ServicingUnitOfWork, event: Event) -> None:
    booking_refused(uow, event.data)


def on_job_completed(uow: ServicingUnitOfWork, event: Event) -> None:
    if is_service_job(event.data):
        service_done(uow, event.data)


HANDLERS = {
    **dict.fromkeys(CUSTOMER_SNAPSHOTS, CUSTOMER_SNAPSHOT),
    "customer.merged": on_customer_merged,
    "customer.deleted": on_customer_deleted,
    "customer.erased": on_customer_erased,
    "work_address.created": WORK_ADDRESS_SNAPSHOT,
    "work_address.updated": WORK_ADDRESS_SNAPSHOT,
    "work_address.status_changed": WORK_ADDRESS_SNAPSHOT,
    "asset.created": on_asset_snapshot,
    "asset.updated": on_asset_snapshot,
    "asset.deleted": on_asset_deleted,
    "job.created": on_job_created,
    "job.completed": on_job_completed,
    "service_reminder.booking_refused": on_booking_refused,
}
