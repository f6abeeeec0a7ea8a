"""A service booked in servicing (`service_reminder.booked`): the job it asks for, linked to the
reminder by `service_reminder_id` (servicing hears `job.created` and records the job's id). A
booking billing refuses (the customer blocked, deleted or merged) is answered with
`service_reminder.booking_refused` and the reason: a business refusal, not a poison message, so the
delivery is acknowledged and servicing puts the reminder back to due."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time

from fieldbook_shared.problems import Conflict, Gone, NotFound

from ..uow import BillingUnitOfWork
from .jobs import create_job

log = logging.getLogger("billing.bookings")

SERVICE_CATEGORY = "service"
STARTS_AT = time(9)  # a booked service's day, from nine (UTC) until the office schedules it
# what create_job raises when the customer may not have the job: blocked (409), gone (404), merged (410)
REFUSALS = (Conflict, NotFound, Gone)


def _known_refusal(uow: BillingUnitOfWork, customer_id: str) -> str | None:
    snapshot = uow.customers.find(customer_id)
    if snapshot is None:
        return None  # not heard of yet: the admission with customers decides
    if snapshot.deleted:
        return "The customer is deleted."
    if snapshot.merged_into:
        return f"The customer was merged into customer {snapshot.merged_into}."
    if snapshot.blocked:
        return "The customer is blocked" + (f": {snapshot.block_reason}" if snapshot.block_reason else "")
    return None


def book_service_job(uow: BillingUnitOfWork, data: dict) -> None:
    """One job per booking (the inbox drops a redelivered event), or one refusal. The admission with
    customers decides as for any job (docs/architecture.md §8); a refusal there undoes the job's
    writes (a savepoint) and the refusal is published in the same transaction as the inbox row."""
    day = data["date"] if isinstance(data["date"], date) else date.fromisoformat(data["date"])
    reason = _known_refusal(uow, data["customer_id"])
    if reason is None:
        try:
            with uow.savepoint():
                create_job(
                    uow,
                    data["customer_id"],
                    {
                        "description": data["description"],
                        "scheduled_start": datetime.combine(day, STARTS_AT, UTC),
                        "category": SERVICE_CATEGORY,
                        "work_address_id": data.get("work_address_id"),
                        "asset_id": data["asset_id"],
                        "service_reminder_id": data["id"],
                    },
                )
            return
        except REFUSALS as exc:
            reason = exc.detail
    log.warning("no service job for reminder %s: %s", data["id"], reason)
    uow.publish(
        "service_reminder.booking_refused",
        {"reminder_id": data["id"], "customer_id": data["customer_id"], "date": day, "reason": reason},
        subject=data["id"],
    )
