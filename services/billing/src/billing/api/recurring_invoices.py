"""Recurring invoices: a schedule that raises the customer the same invoice every month, quarter or
year (the worker raises each period's invoice once: service/recurring_invoices.py); change (PATCH,
If-Match), pause, resume, stop."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import RAISE

from fieldbook_shared.apidoc import accepts_if_match, answers, sends_etag
from fieldbook_shared.etag import expected_version, optional_version, with_etag
from fieldbook_shared.verbs import blueprint, creator, edits, lists, reader
from fieldbook_shared.web import current_uow

from ..service.recurring_invoices import (
    change_recurring_invoice,
    create_recurring_invoice,
    get_recurring_invoice,
    list_recurring_invoices,
    update_recurring_invoice,
)
from .schemas import (
    RecurringInvoiceInSchema,
    RecurringInvoiceListQuerySchema,
    RecurringInvoicePatchSchema,
    RecurringInvoiceSchema,
)

customer_recurring_invoices = blueprint(
    "customer_recurring_invoices",
    "/v1/customers/<uuid:customer_id>/recurring-invoices",
    "A customer's recurring invoices, the latest set up first.",
)
recurring_invoices = blueprint(
    "recurring_invoices",
    "/v1/recurring-invoices",
    "Recurring invoices: one invoice each period, raised by billing's worker.",
)


@customer_recurring_invoices.route("")
class CustomerRecurringInvoices(MethodView):
    @lists(
        customer_recurring_invoices,
        RecurringInvoiceSchema(many=True),
        query=RecurringInvoiceListQuerySchema,
        unknown=RAISE,
    )
    def get(self, query, customer_id, page):
        """List the customer's recurring invoices."""
        return list_recurring_invoices(current_uow(), str(customer_id), *page, status=query.get("status"))

    post = creator(
        customer_recurring_invoices,
        RecurringInvoiceInSchema,
        RecurringInvoiceSchema,
        create_recurring_invoice,
        "/v1/recurring-invoices/{id}",
        """Set up a recurring invoice.

        The same lines are invoiced every period (monthly, quarterly, yearly) from its start date;
        each invoice is raised and dated on its period's first day, issued unless `draft`. From a
        contract (`contract_id`): one of the customer's active contracts, else 422.""",
    )


@recurring_invoices.route("/<uuid:recurring_invoice_id>")
class RecurringInvoiceItem(MethodView):
    get = reader(
        recurring_invoices,
        RecurringInvoiceSchema,
        get_recurring_invoice,
        "Read a recurring invoice: its lines, status, next date and the invoices it raised.",
    )

    @answers(409)
    @edits(recurring_invoices, RecurringInvoicePatchSchema, RecurringInvoiceSchema)
    def patch(self, body, recurring_invoice_id):
        """Change a recurring invoice (active or paused; 409 once stopped or ended). Needs `If-Match`.

        The lines, end date, next date (another of its periods' first day), description, notes,
        draft flag, retention and work address of the invoices still to come; those raised stay."""
        version = expected_version()
        return with_etag(update_recurring_invoice(current_uow(), str(recurring_invoice_id), version, body))


def _action(action: str, summary: str):
    class Action(MethodView):
        @accepts_if_match
        @sends_etag
        @recurring_invoices.response(200, RecurringInvoiceSchema)
        def post(self, recurring_invoice_id):
            schedule = change_recurring_invoice(
                current_uow(), str(recurring_invoice_id), action, optional_version()
            )
            return with_etag(schedule)

    Action.post.__doc__ = summary
    Action.__name__ = f"RecurringInvoice{action.title()}"
    recurring_invoices.route(f"/<uuid:recurring_invoice_id>/{action}")(Action)


_action(
    "pause",
    "Pause a recurring invoice.\n\nNo invoices until resumed. `If-Match` optional; 409 unless active.",
)
_action(
    "resume",
    "Resume a paused recurring invoice.\n\nIt goes on from the first period starting today or later "
    "(the periods that began while paused are not invoiced). `If-Match` optional; 409 unless paused.",
)
_action(
    "stop",
    "Stop a recurring invoice.\n\nFor good: no more invoices. `If-Match` optional; "
    "409 once stopped or ended.",
)
