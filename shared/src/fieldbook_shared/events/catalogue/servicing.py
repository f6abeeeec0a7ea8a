"""Events published by the servicing service (service reminders, contracts; docs/architecture.md §4)."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import CustomerRecordData, EventData, VersionedRecordData

STAGES = ("first", "second", "overdue")
CONTRACT_STATUSES = ("active", "cancelled", "expired")


class ServiceBookedData(CustomerRecordData):
    """An office booked an asset's service: billing makes the job, linked by `id` (the reminder's,
    carried back on the job as `service_reminder_id`)."""

    asset_id = fields.String(required=True)
    work_address_id = fields.String(allow_none=True)
    date = fields.Date(required=True)
    description = fields.String(required=True)


class ServiceReminderSendData(CustomerRecordData):
    """One stage of a reminder to be sent (comms sends it). `message_key` is the same for every
    copy of the same stage of the same service due date: comms sends one email (or records one
    letter) per key. `channel`: `email`, or `letter` (printed by the office); absent means email
    (events from before letters)."""

    work_address_id = fields.String(allow_none=True)
    asset_id = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    channel = fields.String(validate=validate.OneOf(("email", "letter")))
    message_key = fields.String(required=True)
    service_due_date = fields.Date(required=True)
    asset = fields.String(required=True)
    work_address = fields.String(allow_none=True)


class ContractData(VersionedRecordData):
    """A customer's contract on a service plan, whole: billing keeps which work addresses it covers
    and the SLA response time (a job made there is due within it)."""

    plan_id = fields.String(required=True)
    plan_name = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(CONTRACT_STATUSES))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    auto_renew = fields.Boolean(required=True)
    sla_response_hours = fields.Integer(allow_none=True)
    work_address_ids = fields.List(fields.String(), required=True)
    asset_ids = fields.List(fields.String(), required=True)
    term = fields.Integer(required=True)  # 1 for the first term, one more at each renewal


SCHEMAS: dict[str, type[EventData]] = {
    "service_reminder.booked": ServiceBookedData,
    "service_reminder.send_requested": ServiceReminderSendData,
    "contract.created": ContractData,
    "contract.updated": ContractData,
    "contract.renewed": ContractData,
    "contract.cancelled": ContractData,
    "contract.expired": ContractData,
}
