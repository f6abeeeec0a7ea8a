"""Small helpers the API modules share: a customer's quotes, jobs and invoices (their list and
export), the exports' answer, figures from the ledger on rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from fieldbook_shared.verbs import blueprint, lists
from fieldbook_shared.web import current_uow

from .. import record_exports
from ..service.lists import export_records, list_for_customer
from .schemas import ExportQuerySchema

# what the export endpoints answer, for the OpenAPI document (flask-smorest has no schema for files)
EXPORT_RESPONSES = {
    "200": {
        "description": "The file, as an attachment.",
        "content": {
            mimetype.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
            for mimetype in record_exports.MIMETYPES.values()
        },
    }
}


def customer_documents(kind: str) -> Blueprint:
    """The blueprint of a customer's quotes, jobs or invoices (`kind`), latest first, with their
    export (`export_route`)."""
    blp = blueprint(
        f"customer_{kind}", f"/v1/customers/<uuid:customer_id>/{kind}", f"A customer's {kind}, latest first."
    )
    export_route(blp, kind, f"Customer{kind.title()}Export")
    return blp


def documents_lister(
    blp: Blueprint, kind: str, schema: Any, query: Any, shown: Callable[[Any], Any] | None = None
) -> Callable:
    """The paged list of a customer's quotes, jobs or invoices (`kind`), narrowed by the list's
    filters (`query`); `shown` makes a row what `schema` shows (an invoice with what is outstanding)."""

    @lists(blp, schema, query=query, unknown=RAISE)
    def get(self: Any, query_: dict, customer_id: Any, page: tuple[int, int]) -> Any:
        rows, total = list_for_customer(current_uow(), kind, customer_id, *page, query=query_)
        return ([shown(row) for row in rows] if shown else rows), total

    get.__doc__ = f"List the customer's {kind}."
    return get


def export_route(blp: Blueprint, kind: str, endpoint: str) -> None:
    """GET …/export on a customer's invoices, jobs or quotes (`kind`): all of them as a file, in
    the `format` asked (`export_response`); one view for the three lists."""

    class Export(MethodView):
        @blp.arguments(ExportQuerySchema, location="query")
        @blp.doc(responses=EXPORT_RESPONSES)
        def get(self, query, customer_id):
            return export_response(kind, customer_id, query["format"])

    Export.get.__doc__ = (
        f"All of the customer's {kind} (the list's rows and order, no pages) as CSV, XLSX or PDF."
    )
    blp.route("/export", endpoint=endpoint)(Export)


def with_amount(row, name: str, value):
    """Attach a figure derived from the ledger (outstanding, unallocated) for the response schema."""
    setattr(row, name, value)
    return row


def export_response(kind: str, customer_id, fmt: str) -> Response:
    """All of a customer's invoices, jobs or quotes (the list's rows and order) as a file."""
    customer_id = str(customer_id)
    name, records = export_records(current_uow(), kind, customer_id)
    business_name = current_app.extensions["fieldbook"].settings.business_name
    body = record_exports.render(kind, fmt, records, name, business_name)
    disposition = f'attachment; filename="{record_exports.filename(kind, customer_id, fmt)}"'
    return Response(
        body, content_type=record_exports.MIMETYPES[fmt], headers={"Content-Disposition": disposition}
    )
