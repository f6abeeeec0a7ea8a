"""A service booked in servicing (`service_reminder.booked`): the job it asks for, linked to the
reminder by `service_reminder_id` (servicing hears `job.created` and records the job's id)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time

from ..uow import BillingUnitOfWork
from .jobs import create_job

log = logging.getLogger("billing.bookings")

SERVICE_CATEGORY = "service"
STARTS_AT = time(9)  # a booked service's day, from nine (UTC) until the office schedules it


def book_service_job(uow: BillingUnitOfWork, data: dict) -> None:
    """One job per booking (the inbox drops a redelivered event). A customer billing knows to be
    deleted, merged or blocked gets none (logged); the admission with customers decides the rest
    as for any job (docs/architecture.md §8)."""
    snapshot = uow.customers.find(data["customer_id"])
    if snapshot is not None and (snapshot.deleted or snapshot.merged_into or snapshot.blocked):
        log.warning("no service job for reminder %s: the customer is deleted, merged or blocked", data["id"])
        return
    day = data["date"] if isinstance(data["date"], date) else date.fromisoformat(data["date"])
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
