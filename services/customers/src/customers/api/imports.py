"""CSV import: upload a file, map its columns, follow the job, read the per-row report (admin)."""

from __future__ import annotations

import io

from flask import Flask, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from fieldbook_shared.apidoc import Computed
from fieldbook_shared.pagination import paginate
from fieldbook_shared.problems import DomainError, Forbidden, ValidationFailed
from fieldbook_shared.verbs import adds, blueprint, lister, located, reader
from fieldbook_shared.web import current_uow, request_context

from ..domain import imports as import_rules
from ..imports import service
from ..settings import CustomersSettings

blp = blueprint(
    "imports", "/v1/imports", "CSV import of customers (with their primary contact) and of work addresses."
)

CSV_TYPES = (
    "text/csv",
    "application/csv",
    "text/plain",
    "application/vnd.ms-excel",  # what browsers on Windows call a .csv
    "application/octet-stream",
)


def allow_large_uploads(app: Flask, settings: CustomersSettings) -> None:
    """POST /v1/imports may carry MAX_IMPORT_BODY_BYTES (20 MiB); every other request keeps the
    service's body limit. Runs before the kit's own hooks, which may read the body."""
    limit = settings.max_import_body_bytes

    def _import_body_limit():
        if request.method == "POST" and request.path.rstrip("/") == "/v1/imports":
            request.max_content_length = limit
            request.max_form_memory_size = limit

    app.before_request_funcs.setdefault(None, []).insert(0, _import_body_limit)


class UnsupportedMediaType(DomainError):
    status = 415


def _admin_only() -> None:
    if request_context().role != "admin":
        raise Forbidden("Only the admin role may import.")


class UploadQuerySchema(Schema):
    kind = fields.String(load_default="customers", validate=validate.OneOf(import_rules.KINDS))


class MappingSchema(Schema):
    mapping = fields.Dict(
        keys=fields.String(),
        values=fields.String(allow_none=True),
        required=True,
        metadata={"description": "CSV column → field (null or absent: the column is not imported)."},
    )
    match_key = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(import_rules.MATCH_KEYS),
        metadata={"description": "Customers only: rows matching an existing customer on it update it."},
    )
    dry_run = fields.Boolean(load_default=False)


class ImportSchema(Schema):
    id = fields.String()
    kind = fields.String()
    status = fields.String(metadata={"description": "uploaded, queued, running, completed or failed"})
    filename = fields.String(allow_none=True)
    size_bytes = fields.Integer()
    columns = fields.List(fields.String())
    sample_rows = Computed(
        "_samples",
        {"type": "object", "additionalProperties": {"type": "string"}},
        many=True,
        metadata={"description": "The first rows, column → value."},
    )
    suggested_mapping = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    fields_ = Computed("_fields", {"type": "string"}, many=True, data_key="fields")
    required_fields = Computed(
        "_required",
        {"type": "array", "items": {"type": "string"}},
        many=True,
        metadata={
            "description": "What every row needs: a value in one field of each group. A customer's "
            "type adds its own (GET /v1/customer-types)."
        },
    )
    mapping = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)
    match_key = fields.String(allow_none=True)
    dry_run = fields.Boolean()
    progress = Computed(
        "_progress",
        {
            "type": "object",
            "properties": {k: {"type": "integer"} for k in ("total_rows", "processed_rows", "percent")},
        },
    )
    counts = Computed(
        "_counts",
        {
            "type": "object",
            "properties": {
                k: {"type": "integer"} for k in ("created", "updated", "unchanged", "refused", "duplicates")
            },
        },
    )
    error = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    queued_at = fields.DateTime(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)

    def _samples(self, obj) -> list[dict]:
        return [
            dict(zip(obj.columns, row + [""] * (len(obj.columns) - len(row)), strict=False))
            for row in obj.sample_rows
        ]

    def _fields(self, obj) -> list[str]:
        return list(import_rules.FIELDS[obj.kind])

    def _required(self, obj) -> list[list[str]]:
        return [list(group) for group in import_rules.REQUIRED[obj.kind]]

    def _progress(self, obj) -> dict:
        total = obj.total_rows or 0
        return {
            "total_rows": total,
            "processed_rows": obj.processed_rows,
            "percent": 100
            if obj.status == "completed"
            else (int(obj.processed_rows * 100 / total) if total else 0),
        }

    def _counts(self, obj) -> dict:
        return {
            "created": obj.created_count,
            "updated": obj.updated_count,
            "unchanged": obj.unchanged_count,
            "refused": obj.refused_count,
            "duplicates": obj.duplicate_count,
        }


class IssueQuerySchema(Schema):
    kind = fields.String(validate=validate.OneOf(["error", "duplicate"]))


class IssueSchema(Schema):
    row = fields.Integer(
        attribute="row_number", metadata={"description": "As a spreadsheet numbers it: the header is row 1."}
    )
    kind = fields.String(metadata={"description": "error or duplicate"})
    field = fields.String(allow_none=True)
    column = fields.String(attribute="csv_column", allow_none=True)
    reason = fields.String()


UPLOAD_BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {
            "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        },
    },
}


def _reader():
    """The uploaded file as a `read(n)` callable: the raw body, or the multipart `file` part."""
    mimetype = request.mimetype or ""
    if mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed({"file": ["Send the CSV as the multipart part named `file`."]})
        return upload.filename, upload.stream.read
    if mimetype not in CSV_TYPES:
        raise UnsupportedMediaType(
            "Send the CSV as the body (Content-Type: text/csv) or as multipart/form-data."
        )
    if request.headers.get("Idempotency-Key"):
        return None, io.BytesIO(request.get_data(cache=True)).read  # already read for the key's hash
    return request.headers.get("X-Filename"), request.stream.read


@blp.route("")
class ImportCollection(MethodView):
    @adds(blp, UploadQuerySchema, ImportSchema, location="query")
    @blp.doc(requestBody=UPLOAD_BODY)
    def post(self, query):
        """Upload a CSV (`?kind=customers|work_addresses`): answers with its columns, 5 sample rows
        and a suggested mapping. Nothing is imported until the mapping is posted."""
        _admin_only()
        filename, read = _reader()
        imp = service.upload(current_uow(), query["kind"], filename, read)
        return located(imp, f"/v1/imports/{imp.id}")

    get = lister(
        blp, ImportSchema(many=True), service.list_imports, "The tenant's imports, latest first.", query=None
    )


@blp.route("/<uuid:import_id>")
class ImportItem(MethodView):
    get = reader(
        blp,
        ImportSchema,
        service.get,
        "Status (uploaded, queued, running, completed, failed), progress and counts.",
        etag=False,
    )


@blp.route("/<uuid:import_id>/mapping")
class ImportMapping(MethodView):
    @adds(blp, MappingSchema, ImportSchema, status=202)
    def post(self, body, import_id):
        """Map columns to fields and queue the import (`dry_run`: report only, write nothing).

        Posting a mapping again after a dry run (or a finished import) runs the file again."""
        _admin_only()
        imp = service.set_mapping(
            current_uow(), str(import_id), body["mapping"], body["match_key"], body["dry_run"]
        )
        return located(imp, f"/v1/imports/{imp.id}", 202)


@blp.route("/<uuid:import_id>/errors")
class ImportIssues(MethodView):
    @blp.arguments(IssueQuerySchema, location="query")
    @blp.response(200, IssueSchema(many=True))
    @paginate(blp, page_size=100, max_page_size=1000)
    def get(self, query, import_id, page):
        """The refused rows: row number, field, reason; `kind` error or duplicate."""
        return service.issues(
            current_uow(),
            str(import_id),
            query.get("kind"),
            *page,
        )
