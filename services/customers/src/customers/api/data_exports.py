"""Export of all customer data (admin): start the background job, watch it, download the ZIP."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from fieldbook_shared.export_parts import parts_blueprint
from fieldbook_shared.problems import Conflict
from fieldbook_shared.verbs import adds, blueprint, located, reader
from fieldbook_shared.web import current_uow, state

from .. import data_export

blp = blueprint(
    "data_exports",
    "/v1/exports",
    "Export all customer data across services as a ZIP (a background job with progress).",
)
# this service's own part, for symmetry with the others (the job reads it from the database)
parts = parts_blueprint(data_export.LOCAL_PARTS)


class ExportStartSchema(Schema):
    class Meta:
        unknown = "raise"

    kind = fields.String(required=True, validate=validate.OneOf(data_export.KINDS))


class ExportSchema(Schema):
    id = fields.String()
    kind = fields.String()
    status = fields.String(metadata={"description": "queued | running | completed | failed"})
    progress = fields.Dict(metadata={"description": "per kind of record: service, status, rows so far"})
    size_bytes = fields.Integer()
    error = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    download = fields.Method(
        "_download",
        allow_none=True,
        metadata={"type": "string", "description": "Once completed: where to fetch the ZIP."},
    )

    def _download(self, obj) -> str | None:
        return f"/v1/exports/{obj.id}/download" if obj.status == "completed" else None


@blp.route("")
class Exports(MethodView):
    @adds(blp, ExportStartSchema, ExportSchema, status=202)
    def post(self, body):
        """Start an export of all customer data; follow it at `Location`."""
        export = data_export.start(current_uow(), body["kind"])
        return located(export, f"/v1/exports/{export.id}", 202)


@blp.route("/<uuid:export_id>")
class ExportStatus(MethodView):
    get = reader(
        blp,
        ExportSchema,
        data_export.get,
        "Status and progress (rows so far per kind of record).",
        etag=False,
    )


@blp.route("/<uuid:export_id>/download")
class ExportDownload(MethodView):
    @blp.doc(
        responses={
            "200": {
                "description": "The ZIP: one CSV per kind of record.",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    )
    def get(self, export_id):
        """The finished ZIP, streamed (409 while it is still being built)."""
        export = data_export.get(current_uow(), str(export_id))
        if export.status != "completed":
            raise Conflict(f"The export is {export.status}; download it once it has completed.")
        return Response(
            data_export.chunks(state().read_sessions, export),
            content_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="fieldbook-export-{export.id}.zip"',
                "Content-Length": str(export.size_bytes),
            },
            direct_passthrough=True,
        )
