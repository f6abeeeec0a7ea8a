"""Statements of account (JSON and PDF from one computation), the account figures, reconciliation."""

from __future__ import annotations

from flask import Response, current_app, request
from flask.views import MethodView

from fieldbook_shared.apidoc import file_response
from fieldbook_shared.problems import ValidationFailed
from fieldbook_shared.verbs import adds, blueprint, located
from fieldbook_shared.web import current_uow, json_response

from ..pdf import render_statement
from ..service.common import today
from ..service.statements import (
    account_figures,
    compute_statement,
    get_statement,
    reconcile_tenant,
    save_statement,
)
from .schemas import (
    AccountQuerySchema,
    AccountSchema,
    ReconciliationSchema,
    StatementQuerySchema,
    StatementSchema,
    StatementSendSchema,
)

PDF = "application/pdf"

customer_statement = blueprint(
    "customer_statement", "/v1/customers/<uuid:customer_id>", "Statement of account and the account figures."
)
statements = blueprint("statements", "/v1/statements", "Statements generated (e.g. sent by email).")
reconciliation = blueprint("reconciliation", "/v1/reconciliation", "Ledger reconciliation (admin).")


def _computed(customer_id, query) -> tuple[dict, dict]:
    """The statement computed once: (raw for the JSON response schema, its dump for the PDF)."""
    data = compute_statement(current_uow(), str(customer_id), query.get("as_at"), query.get("from_"))
    return data, StatementSchema().dump(data)


def _pdf(data: dict, name: str) -> Response:
    settings = current_app.extensions["fieldbook"].settings
    body = render_statement(data, settings.business_name)
    return Response(body, mimetype=PDF, headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


def _wants_pdf() -> bool:
    return request.accept_mimetypes.best_match(["application/json", PDF]) == PDF


@customer_statement.route("/statement")
class Statement(MethodView):
    @customer_statement.arguments(StatementQuerySchema, location="query")
    @customer_statement.response(200, StatementSchema)
    @file_response(
        PDF, description="The statement (JSON), or with `Accept: application/pdf` the same as a PDF"
    )
    def get(self, query, customer_id):
        """The statement as at `as_at` (default today) from `from` (default the first item).

        `Accept: application/pdf` gives the PDF of the very same figures.
        """
        raw, data = _computed(customer_id, query)
        if _wants_pdf():
            return _pdf(data, f"statement-{data['as_at']}")
        return raw


@customer_statement.route("/statement.pdf")
class StatementPdf(MethodView):
    @customer_statement.arguments(StatementQuerySchema, location="query")
    @file_response(PDF, description="The statement as a PDF")
    def get(self, query, customer_id):
        """The customer's statement as a PDF (same figures as the JSON statement)."""
        _, data = _computed(customer_id, query)
        return _pdf(data, f"statement-{data['as_at']}")


@customer_statement.route("/statement/send")
class StatementSend(MethodView):
    @adds(customer_statement, StatementSendSchema, StatementSchema)
    def post(self, body, customer_id):
        """Generate and keep the statement, and ask comms to email it (`statement.generated`)."""
        raw, data = _computed(customer_id, body)
        row = save_statement(current_uow(), str(customer_id), data, send=True)
        return located({**raw, "id": row.id}, f"/v1/statements/{row.id}")


@customer_statement.route("/account")
class Account(MethodView):
    @customer_statement.arguments(AccountQuerySchema, location="query")
    @customer_statement.response(200, AccountSchema)
    def get(self, query, customer_id):
        """Balance, total due, overdue and debt age, lifetime value, spend, retentions, jobs.

        `as_at` gives the ledger's figures as at the end of that date (as the statement as at it);
        blocked, credit limit, terms and the job counts are always today's.
        """
        as_at = query.get("as_at")
        if as_at is not None and as_at > today():
            raise ValidationFailed({"as_at": ["Must not be in the future."]})
        return account_figures(
            current_uow(), str(customer_id), query.get("spend_from"), query.get("spend_to"), as_at
        )


@statements.route("/<uuid:statement_id>")
class StatementItem(MethodView):
    @statements.response(200, StatementSchema)
    def get(self, statement_id):
        """Read a kept statement."""
        row = get_statement(current_uow(), str(statement_id))
        return json_response({**row.data, "id": row.id})  # kept as dumped: served as it was


@statements.route("/<uuid:statement_id>.pdf")
class StatementItemPdf(MethodView):
    @file_response(PDF, description="The statement as a PDF")
    def get(self, statement_id):
        """The kept statement's PDF (what comms attaches to the email)."""
        row = get_statement(current_uow(), str(statement_id))
        return _pdf(row.data, f"statement-{row.as_at.isoformat()}")


@reconciliation.route("")
class Reconciliation(MethodView):
    @reconciliation.response(200, ReconciliationSchema)
    def get(self):
        """Recompute every customer's figures from the ledger; `mismatches` must be empty."""
        return reconcile_tenant(current_uow())
