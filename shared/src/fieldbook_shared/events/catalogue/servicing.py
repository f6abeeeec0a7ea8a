"""Events published by the servicing service (service reminders; docs/architecture.md §4)."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import EventData

STAGES = ("first", "second", "overdue")


class ServiceBookedData(EventData):
    """An office booked an asset's service: billing makes the job, linked by `id` (the reminder's,
    carried back on the job as `service_reminder_id`)."""

    id = fields.String(required=True)
    customer_id = fields.String(required=True)
    asset_id = fields.String(required=True)
    work_address_id = fields.String(allow_none=True)
    date = fields.Date(required=True)
    description = fields.String(required=True)


class ServiceReminderSendData(EventData):
    """One stage of a reminder to be emailed (comms sends it). `message_key` is the same for every
    copy of the same stage of the same service due date: comms sends one email per key."""

    id = fields.String(required=True)
    customer_id = fields.String(required=True)
    work_address_id = fields.String(allow_none=True)
    asset_id = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    message_key = fields.String(required=True)
    service_due_date = fields.Date(required=True)
    asset = fields.String(required=True)
    work_address = fields.String(allow_none=True)


SCHEMAS: dict[str, type[EventData]] = {
    "service_reminder.booked": ServiceBookedData,
    "service_reminder.send_requested": ServiceReminderSendData,
}
