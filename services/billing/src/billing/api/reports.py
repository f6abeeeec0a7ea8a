"""Reports across customers: the aged debtors, as JSON, CSV, XLSX or PDF from one computation."""

from __future__ import annotations

from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import RAISE

from fieldbook_shared.apidoc import file_response
from fieldbook_shared.problems import ValidationFailed
from fieldbook_shared.verbs import blueprint
from fieldbook_shared.web import current_uow

from .. import record_exports
from ..service.common import today
from ..service.reports import aged_debtors
from .schemas import AgedDebtorsQuerySchema, AgedDebtorsSchema

JSON = "application/json"
# the files by media type, as `Accept` names them (the CSV's is sent with its charset)
FILES = {mimetype.split(";")[0]: fmt for fmt, mimetype in record_exports.MIMETYPES.items()}

blp = blueprint("reports", "/v1/reports", "Reports across customers.")


def _format(query) -> str:
    """`?format=` when given, else what `Accept` prefers (JSON first: also for `*/*` and none)."""
    if "format" in query:
        return query["format"]
    best = request.accept_mimetypes.best_match([JSON, *FILES])
    return FILES.get(best or JSON, "json")


@blp.route("/aged-debtors")
class AgedDebtors(MethodView):
    @blp.arguments(AgedDebtorsQuerySchema, location="query", unknown=RAISE)  # a typo is a 422
    @blp.response(200, AgedDebtorsSchema)
    @file_response(
        *FILES,
        description="The aged debtors (JSON), or as CSV, XLSX or PDF by `format` or `Accept`",
    )
    def get(self, query):
        """What each customer owes as at `as_at` (default today), aged as their statements age it.

        One line per customer with a balance, or anything outstanding or unallocated, and the
        totals; the report as at a date is the sum of the customers' statements as at that date.
        Admin and accounts only.
        """
        as_at = query.get("as_at")
        if as_at is not None and as_at > today():
            raise ValidationFailed({"as_at": ["Must not be in the future."]})
        fmt = _format(query)
        report = aged_debtors(current_uow(), as_at)
        if fmt == "json":
            return report
        business_name = current_app.extensions["fieldbook"].settings.business_name
        subject = f"as at {report['as_at'].isoformat()}"
        records = record_exports.debtor_records(report)
        body = record_exports.render("aged_debtors", fmt, records, subject, business_name)
        disposition = f'attachment; filename="aged-debtors-{report["as_at"].isoformat()}.{fmt}"'
        return Response(
            body, content_type=record_exports.MIMETYPES[fmt], headers={"Content-Disposition": disposition}
        )
