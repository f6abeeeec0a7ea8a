"""Every request and response of the files API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from fieldbook_shared.apidoc import Computed
from fieldbook_shared.schemas import PagedQuery

from ..domain import owners


class FileSchema(Schema):
    id = fields.String()
    customer_id = fields.String(metadata={"description": "Whose record the file is on."})
    attached_to = fields.String(metadata={"description": "customer, work_address, job or asset"})
    owner_id = fields.String(metadata={"description": "The id of the record it is attached to."})
    work_address_id = fields.String(allow_none=True)
    filename = fields.String()
    media_type = fields.String(metadata={"description": "Recognised from the bytes, not from the name."})
    size_bytes = fields.Integer()
    sha256 = fields.String(metadata={"description": "The SHA-256 of the bytes, hex."})
    uploaded_by = fields.String()
    created_at = fields.DateTime()
    links = Computed(
        "_links",
        {"type": "object", "properties": {"self": {"type": "string"}, "content": {"type": "string"}}},
        metadata={"description": "self, and content: the download"},
    )

    def _links(self, row) -> dict:
        return {"self": f"/v1/files/{row.id}", "content": f"/v1/files/{row.id}/content"}


class CustomerFilesQuery(PagedQuery):
    attached_to = fields.String(
        validate=validate.OneOf(owners.KINDS),
        metadata={"description": "Only the files attached to this kind of record."},
    )


UPLOAD_BODY = {
    "required": True,
    "description": "The file as the multipart part named `file`, with its filename. Its type is "
    "recognised from the bytes: PDF, images, office documents, text or CSV (else 422, also when the "
    "name's extension says another type); at most FILES_MAX_BYTES (default 20 MiB; else 413).",
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        }
    },
}
