"""Events published by the files service: a file on a customer's record added or removed."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import CustomerRecordData, EventData

ATTACHED_TO = ["customer", "work_address", "job", "asset"]


class FileData(CustomerRecordData):
    """What the file is and where it hangs; never its bytes (read them through the API)."""

    attached_to = fields.String(required=True, validate=validate.OneOf(ATTACHED_TO))
    owner_id = fields.String(required=True)
    work_address_id = fields.String(allow_none=True)
    filename = fields.String(required=True)
    media_type = fields.String(required=True)
    size_bytes = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_by = fields.String(allow_none=True)
    created_at = fields.DateTime(allow_none=True)


class FileDeletedData(CustomerRecordData):
    attached_to = fields.String(required=True, validate=validate.OneOf(ATTACHED_TO))
    owner_id = fields.String(required=True)
    # deleted: someone deleted it; customer_deleted / customer_erased: it went with its customer;
    # owner_deleted: the asset it hung on was deleted
    reason = fields.String(
        required=True,
        validate=validate.OneOf(["deleted", "customer_deleted", "customer_erased", "owner_deleted"]),
    )


SCHEMAS: dict[str, type[EventData]] = {
    "file.uploaded": FileData,
    "file.deleted": FileDeletedData,
}
