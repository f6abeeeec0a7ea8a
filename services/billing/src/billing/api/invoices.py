"""Invoices (from a job or standalone), consolidated invoices, issue and void."""

from __future__ import annotations

from flask.views import MethodView

from fieldbook_shared.apidoc import (
    accepts_if_match,
    requires_if_match,
    sends_etag,
)
from fieldbook_shared.etag import expected_version, optional_version, with_etag
from fieldbook_shared.verbs import blueprint, created, creates, edits, reads
from fieldbook_shared.web import current_uow

from ..service.invoices import (
    create_consolidated_invoice,
    create_invoice,
    get_invoice,
    issue_invoice,
    update_invoice,
    void_invoice,
)
from .common import customer_documents, documents_lister, with_amount
from .documents import pdf_route, send, sends
from .schemas import (
    ConsolidatedInSchema,
    InvoiceInSchema,
    InvoiceListQuerySchema,
    InvoicePatchSchema,
    InvoiceSchema,
)

customer_invoices = customer_documents("invoices")
invoices = blueprint("invoices", "/v1/invoices", "Invoices.")
consolidated = blueprint(
    "consolidated_invoices",
    "/v1/consolidated-invoices",
    "One invoice over several open jobs of one customer.",
)


def _shown(uow_invoice):
    invoice, outstanding = uow_invoice
    return with_amount(invoice, "outstanding", outstanding)


def _read(invoice_id):
    """The invoice as its schema shows it: with what is outstanding."""
    return _shown(get_invoice(current_uow(), str(invoice_id)))


@customer_invoices.route("")
class CustomerInvoices(MethodView):
    get = documents_lister(
        customer_invoices, "invoices", InvoiceSchema(many=True), InvoiceListQuerySchema, shown=_shown
    )

    @creates(customer_invoices, InvoiceInSchema, InvoiceSchema)
    def post(self, body, customer_id):
        """Invoice a job (lines pre-filled from it) or standalone lines; issued unless `draft`."""
        invoice = create_invoice(current_uow(), str(customer_id), body)
        return created(_read(invoice.id), f"/v1/invoices/{invoice.id}")


@consolidated.route("")
class ConsolidatedInvoices(MethodView):
    @creates(consolidated, ConsolidatedInSchema, InvoiceSchema)
    def post(self, body):
        """Raise one invoice over several open jobs of one customer."""
        invoice = create_consolidated_invoice(current_uow(), body)
        return created(_read(invoice.id), f"/v1/invoices/{invoice.id}")


@invoices.route("/<uuid:invoice_id>")
class InvoiceItem(MethodView):
    @reads(invoices, InvoiceSchema)
    def get(self, invoice_id):
        """Read an invoice with its lines and what is outstanding."""
        return with_etag(_read(invoice_id))

    @edits(invoices, InvoicePatchSchema, InvoiceSchema)
    def patch(self, body, invoice_id):
        """Edit a draft invoice. Needs `If-Match`."""
        version = expected_version()
        update_invoice(current_uow(), str(invoice_id), version, body)
        return with_etag(_read(invoice_id))


pdf_route(invoices, "invoice", "invoice_id", InvoiceSchema, _read)


@invoices.route("/<uuid:invoice_id>/send")
class InvoiceSend(MethodView):
    @sends(invoices)
    def post(self, body, invoice_id):
        """Email the invoice with its PDF (to the primary contact unless `to`); 409 when void or draft."""
        return send("invoice", invoice_id, body)


@invoices.route("/<uuid:invoice_id>/issue")
class InvoiceIssue(MethodView):
    @accepts_if_match
    @sends_etag
    @invoices.response(200, InvoiceSchema)
    def post(self, invoice_id):
        """Issue a draft invoice: it gets its number. `If-Match` optional."""
        issue_invoice(current_uow(), str(invoice_id), optional_version())
        return with_etag(_read(invoice_id))


@invoices.route("/<uuid:invoice_id>/void")
class InvoiceVoid(MethodView):
    @requires_if_match
    @sends_etag
    @invoices.response(200, InvoiceSchema)
    def post(self, invoice_id):
        """Void (the number stays used). Needs `If-Match`; refused once paid or credited."""
        version = expected_version()
        void_invoice(current_uow(), str(invoice_id), version)
        return with_etag(_read(invoice_id))
