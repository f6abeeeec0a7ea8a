"""Files on the record: upload and list on a customer, a work address, a job or an asset; read,
download and delete one file.

    GET, POST /v1/customers/{customer_id}/files       (the list: every file on the customer's record)
    GET, POST /v1/work-addresses/{work_address_id}/files
    GET, POST /v1/jobs/{job_id}/files
    GET, POST /v1/assets/{asset_id}/files
    GET, DELETE /v1/files/{file_id}
    GET /v1/files/{file_id}/content                    (the bytes, as uploaded)
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from fieldbook_shared.apidoc import answers, file_response, sends_location
from fieldbook_shared.problems import DomainError, ValidationFailed
from fieldbook_shared.schemas import PagedQuery
from fieldbook_shared.verbs import blueprint, lists, reader
from fieldbook_shared.web import current_uow

from ..domain import content, owners
from ..service import files as service
from .schemas import UPLOAD_BODY, CustomerFilesQuery, FileSchema

LOOKUP_EXTENSION = "files.owners"  # app.extensions: the OwnerLookup (owners_client.OwnersClient)


class UnsupportedMediaType(DomainError):
    status = 415


def _lookup():
    return current_app.extensions[LOOKUP_EXTENSION]


def _max_bytes() -> int:
    return current_app.extensions["fieldbook"].settings.max_file_bytes


def _uploaded() -> tuple[str | None, bytes]:
    """The multipart part `file`: its filename and bytes (at most one byte over the limit is read:
    enough to refuse it)."""
    if (request.mimetype or "") != "multipart/form-data":
        raise UnsupportedMediaType("Send the file as multipart/form-data, in the part named `file`.")
    part = request.files.get("file")
    if part is None:
        raise ValidationFailed({"file": ["Send the file as the multipart part named `file`."]})
    return part.filename, part.stream.read(_max_bytes() + 1)


def owner_blueprint(attached_to: str, url_prefix: str, id_name: str, description: str) -> Blueprint:
    """The files of one kind of owner: list and upload, under the owner's own path."""
    blp = blueprint(f"{attached_to}_files", url_prefix, description)
    query_schema = CustomerFilesQuery if attached_to == owners.CUSTOMER else PagedQuery

    @blp.route("")
    class OwnerFiles(MethodView):
        @lists(blp, FileSchema(many=True), query=query_schema, unknown=RAISE)
        def get(self, query, page, **ids):
            """The files, newest first (a customer's: every file on its record; `attached_to`
            narrows it). 404 when the record is not this tenant's."""
            return service.list_files(
                current_uow(), _lookup(), attached_to, str(ids[id_name]), *page, query.get("attached_to")
            )

        @sends_location
        @blp.doc(requestBody=UPLOAD_BODY)
        @blp.response(201, FileSchema)
        @answers(404, 413, 415, 503)
        def post(self, **ids):
            """Upload a file (multipart part `file`). Its type is recognised from the bytes (PDF,
            images, office documents, text, CSV); a name whose extension says otherwise is a 422."""
            filename, data = _uploaded()
            row = service.upload(
                current_uow(), _lookup(), attached_to, str(ids[id_name]), filename, data, _max_bytes()
            )
            return row, 201, {"Location": f"/v1/files/{row.id}"}

    OwnerFiles.__name__ = f"{attached_to.title().replace('_', '')}Files"
    return blp


customer_files = owner_blueprint(
    owners.CUSTOMER, "/v1/customers/<uuid:customer_id>/files", "customer_id", "Files on a customer's record."
)
work_address_files = owner_blueprint(
    owners.WORK_ADDRESS,
    "/v1/work-addresses/<uuid:work_address_id>/files",
    "work_address_id",
    "Files on a work address (a property).",
)
job_files = owner_blueprint(owners.JOB, "/v1/jobs/<uuid:job_id>/files", "job_id", "Files on a job.")
asset_files = owner_blueprint(
    owners.ASSET, "/v1/assets/<uuid:asset_id>/files", "asset_id", "Files on an asset."
)
OWNER_BLUEPRINTS = [customer_files, work_address_files, job_files, asset_files]

files = blueprint("files", "/v1/files", "One file: read, download, delete.")


@files.route("/<uuid:file_id>")
class FileItem(MethodView):
    get = reader(
        files,
        FileSchema,
        service.get_file,
        "What the file is: name, type, size, what it hangs on.",
        etag=False,
    )

    @files.response(204)
    @answers(503)
    def delete(self, file_id):
        """Delete the file; its bytes are removed from the store."""
        service.delete_file(current_uow(), str(file_id))


def _disposition(filename: str) -> str:
    """`attachment` with the name as ASCII and as UTF-8 (RFC 6266 / 5987)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@files.route("/<uuid:file_id>/content")
class FileContent(MethodView):
    @file_response(*content.ALLOWED, description="The file's bytes as uploaded, with its recognised type")
    @answers(503)
    def get(self, file_id):
        """Download the file: the bytes as uploaded (Content-Type as recognised, a download by name)."""
        row, chunks = service.content_of(current_uow(), str(file_id))
        return Response(
            chunks,
            mimetype=row.media_type,
            headers={
                "Content-Length": str(row.size_bytes),
                "Content-Disposition": _disposition(row.filename),
                "X-Content-Type-Options": "nosniff",
            },
            direct_passthrough=True,
        )
