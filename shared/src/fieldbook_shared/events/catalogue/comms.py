"""Events published by the comms service."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import EventData, VersionedRecordData


class NoteData(VersionedRecordData):
    work_address_id = fields.String(allow_none=True)
    text = fields.String(required=True)
    important = fields.Boolean(required=True)
    do_not_work_with_again = fields.Boolean(required=True)
    author = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(allow_none=True)


class EmailOutcomeData(EventData):
    """What became of one email: what it was about and how many tries it took."""

    email_id = fields.String(required=True)
    customer_id = fields.String(allow_none=True)
    work_address_id = fields.String(allow_none=True)
    mass_email_id = fields.String(allow_none=True)
    statement_id = fields.String(allow_none=True)
    # billing's invoice, quote or credit note it carried (document.send_requested)
    document_kind = fields.String(allow_none=True)
    document_id = fields.String(allow_none=True)
    document_number = fields.Integer(allow_none=True)
    subject = fields.String(required=True)
    attempts = fields.Integer(required=True)
    smtp_code = fields.Integer(allow_none=True)


class EmailSentData(EmailOutcomeData):
    to = fields.String(required=True)
    sent_at = fields.DateTime(required=True)


class EmailFailedData(EmailOutcomeData):
    # a failed email may never have had an address (the customer had none)
    to = fields.String(allow_none=True)
    reason = fields.String(required=True)
    permanent = fields.Boolean(required=True)
    failed_at = fields.DateTime(required=True)


class SmsOutcomeData(EventData):
    """What became of one SMS: who it was to, through which provider message, after how many tries."""

    sms_id = fields.String(required=True)
    customer_id = fields.String(allow_none=True)
    contact_id = fields.String(allow_none=True)
    work_address_id = fields.String(allow_none=True)
    to = fields.String(allow_none=True)
    provider_message_id = fields.String(allow_none=True)
    attempts = fields.Integer(required=True)


class SmsSentData(SmsOutcomeData):
    """The provider took the SMS (its delivery receipt comes later: `sms.delivered` / `sms.failed`)."""

    sent_at = fields.DateTime(required=True)


class SmsDeliveredData(SmsOutcomeData):
    delivered_at = fields.DateTime(required=True)


class SmsFailedData(SmsOutcomeData):
    reason = fields.String(required=True)
    failed_at = fields.DateTime(required=True)


class MassEmailCompletedData(EventData):
    id = fields.String(required=True)
    total = fields.Integer(required=True, validate=validate.Range(min=0))
    sent = fields.Integer(required=True)
    skipped = fields.Integer(required=True)
    failed = fields.Integer(required=True)


SCHEMAS: dict[str, type[EventData]] = {
    "note.created": NoteData,
    "note.updated": NoteData,
    "email.sent": EmailSentData,
    "email.failed": EmailFailedData,
    "mass_email.completed": MassEmailCompletedData,
    "sms.sent": SmsSentData,
    "sms.delivered": SmsDeliveredData,
    "sms.failed": SmsFailedData,
}
