"""Exports of the customer list: the list's filters and chosen columns, as CSV or XLSX (admin)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response
from flask.views import MethodView
from marshmallow import fields, validate

from fieldbook_shared.verbs import blueprint
from fieldbook_shared.web import current_uow

from .. import exports
from ..store.queries import CustomerFilters
from .schemas import CustomerQuerySchema

blp = blueprint("exports", "/v1/exports", "Exports of the customer list (CSV, XLSX).")

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class CustomerExportQuerySchema(CustomerQuerySchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(exports.FORMATS))
    columns = fields.String(
        metadata={
            "description": "Comma-separated columns, in order (default: the list's columns). "
            f"Available: {', '.join(exports.COLUMNS)}."
        }
    )


@blp.route("/customers")
class CustomerExport(MethodView):
    @blp.arguments(CustomerExportQuerySchema, location="query")
    @blp.doc(
        responses={
            "200": {
                "description": "The file, streamed.",
                "content": {
                    m.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                    for m in MIMETYPES.values()
                },
            }
        }
    )
    def get(self, query):
        """The customer list with the same filters as `GET /v1/customers`, as CSV or XLSX."""
        fmt = query.pop("format")
        columns = exports.parse_columns(query.pop("columns", None))
        rows = exports.customer_rows(current_uow(), CustomerFilters(**query), columns, xlsx=fmt == "xlsx")
        body = exports.xlsx_stream(rows) if fmt == "xlsx" else exports.csv_stream(rows)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return Response(
            body,
            content_type=MIMETYPES[fmt],
            headers={"Content-Disposition": f'attachment; filename="customers-{stamp}.{fmt}"'},
            direct_passthrough=True,
        )
