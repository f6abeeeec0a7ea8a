"""Events published by the billing service (docs/architecture.md §4). Amounts are strings with two
decimals."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import CustomerRecordData, EventData, VersionedRecordData, money


class QuoteData(VersionedRecordData):
    number = fields.Integer(required=True)
    status = fields.String(required=True)
    net = money(required=True)
    vat = money(required=True)
    total = money(required=True)
    work_address_id = fields.String(allow_none=True)
    job_id = fields.String(allow_none=True)
    converted_at = fields.DateTime(allow_none=True)


class JobData(VersionedRecordData):
    number = fields.Integer(required=True)
    status = fields.String(required=True)
    quote_id = fields.String(allow_none=True)
    scheduled_start = fields.DateTime(allow_none=True)
    scheduled_end = fields.DateTime(allow_none=True)
    engineer = fields.String(allow_none=True)
    priority = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    work_address_id = fields.String(allow_none=True)
    asset_id = fields.String(allow_none=True)
    # the service reminder the job was booked from (servicing): it marks a service job
    service_reminder_id = fields.String(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    # at a property a contract covers (servicing): the response due time, and whether it was missed
    sla_due_at = fields.DateTime(allow_none=True)
    sla_breached = fields.Boolean(allow_none=True)
    total = money(required=True)


class VatRateData(EventData):
    """A document's net, VAT and total at one VAT rate (the sums of its lines, already rounded)."""

    rate = fields.Decimal(as_string=True, places=2, required=True)
    net = money(required=True)
    vat = money(required=True)
    total = money(required=True)


class InvoiceData(VersionedRecordData):
    number = fields.Integer(required=True)
    status = fields.String(required=True)
    invoice_date = fields.Date(required=True)
    due_date = fields.Date(required=True)
    net = money(required=True)
    vat = money(required=True)
    total = money(required=True)
    outstanding = money(required=True)
    retention_amount = money(required=True)
    consolidated = fields.Boolean(required=True)
    job_ids = fields.List(fields.String(), load_default=list)
    # per VAT rate: what accounting-sync posts to Sage as the invoice's lines
    vat_breakdown = fields.List(fields.Nested(VatRateData), load_default=list)
    # raised by a recurring invoice, for the period from period_start to period_end
    recurring_invoice_id = fields.String(allow_none=True, load_default=None)
    period_start = fields.Date(allow_none=True, load_default=None)
    period_end = fields.Date(allow_none=True, load_default=None)


class RecurringInvoiceData(VersionedRecordData):
    """A recurring invoice: the schedule that raises the customer an invoice every period."""

    contract_id = fields.String(allow_none=True)
    frequency = fields.String(required=True, validate=validate.OneOf(["monthly", "quarterly", "yearly"]))
    status = fields.String(required=True, validate=validate.OneOf(["active", "paused", "stopped", "ended"]))
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True)
    next_date = fields.Date(allow_none=True)
    net = money(required=True)
    vat = money(required=True)
    total = money(required=True)
    invoices_raised = fields.Integer(required=True)


class RecurringInvoiceInvoicedData(RecurringInvoiceData):
    """One period's invoice raised (written with the invoice, in its transaction)."""

    invoice_id = fields.String(required=True)
    invoice_number = fields.Integer(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)


class CreditNoteData(CustomerRecordData):
    number = fields.Integer(required=True)
    invoice_id = fields.String(allow_none=True)
    credit_date = fields.Date(required=True)
    breakdown = fields.String(required=True)
    net = money(required=True)
    vat = money(required=True)
    total = money(required=True)
    vat_breakdown = fields.List(fields.Nested(VatRateData), load_default=list)


class PaymentData(CustomerRecordData):
    """A payment received or an account credit issued."""

    kind = fields.String(required=True)
    method = fields.String(required=True)
    reference = fields.String(allow_none=True)
    nominal_account = fields.String(allow_none=True)
    amount = money(required=True)
    received_on = fields.Date(required=True)
    unallocated = money(required=True)


class AllocationData(CustomerRecordData):
    source_type = fields.String(required=True)  # payment, account_credit, credit_note
    source_id = fields.String(required=True)
    invoice_id = fields.String(required=True)
    amount = money(required=True)
    allocated_on = fields.Date(required=True)


class DeallocationData(AllocationData):
    """An allocation undone (`id` is the allocation's): its amount is back on the invoice's
    outstanding and the source's unallocated amount from `deallocated_on`."""

    deallocated_on = fields.Date(required=True)
    reason = fields.String(allow_none=True)


class PaymentReversedData(CustomerRecordData):
    """A payment reversed (a bounced cheque): the customer owes its amount again from
    `reversed_on`; `deallocated` names the allocations undone with it."""

    method = fields.String(required=True)
    reference = fields.String(allow_none=True)
    amount = money(required=True)
    received_on = fields.Date(required=True)
    reversed_on = fields.Date(required=True)
    reason = fields.String(required=True)
    deallocated = fields.List(fields.String(), load_default=list)


class RefundSourceData(EventData):
    source_type = fields.String(required=True)  # payment, account_credit, credit_note
    source_id = fields.String(required=True)
    amount = money(required=True)


class RefundData(CustomerRecordData):
    """Unallocated credit paid back to the customer, taken from the `sources` named."""

    amount = money(required=True)
    method = fields.String(required=True)
    reference = fields.String(allow_none=True)
    refunded_on = fields.Date(required=True)
    sources = fields.List(fields.Nested(RefundSourceData), required=True)


class StatementGeneratedData(EventData):
    """comms fetches the PDF from billing by `statement_id` (GET /v1/statements/{id}.pdf)."""

    customer_id = fields.String(required=True)
    statement_id = fields.String(required=True)
    as_at = fields.Date(required=True)
    send = fields.Boolean(required=True)
    balance = money(allow_none=True)
    total_due = money(allow_none=True)


class DocumentSendRequestedData(EventData):
    """Email an invoice, quote or credit note with its PDF (comms sends it). `to`: contact ids or
    email addresses; empty → the customer's primary contact (else the customer's own email)."""

    kind = fields.String(required=True, validate=validate.OneOf(("invoice", "quote", "credit_note")))
    document_id = fields.String(required=True)
    number = fields.Integer(required=True)
    customer_id = fields.String(required=True)
    to = fields.List(fields.String(), load_default=list)
    template_id = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    # a quote that can still be answered: its signed acceptance page (no API key)
    acceptance_url = fields.String()


class LedgerBalanceChangedData(EventData):
    customer_id = fields.String(required=True)
    balance = money(required=True)
    total_due = money(required=True)
    unallocated = money(required=True)
    has_transactions = fields.Boolean(required=True)
    as_of = fields.DateTime(required=True)


class CardStoredData(CustomerRecordData):
    brand = fields.String(required=True)
    last4 = fields.String(required=True)
    expiry_month = fields.Integer(required=True)
    expiry_year = fields.Integer(required=True)


class DocumentSettingsData(EventData):
    """The tenant's document settings changed (what its invoices, quotes and credit notes print);
    the logo's bytes stay in billing (`has_logo`)."""

    version = fields.Integer(required=True)
    business_name = fields.String(allow_none=True)
    vat_number = fields.String(allow_none=True)
    has_logo = fields.Boolean(required=True)


class ServiceBookingRefusedData(EventData):
    """A service booked in servicing (`service_reminder.booked`) for which billing made no job: the
    customer is blocked, deleted or merged. servicing puts the reminder back to due with `reason`.
    `date` is the day the booking asked for (a later booking of the same reminder is not undone)."""

    reminder_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    date = fields.Date(required=True)
    reason = fields.String(required=True)


SCHEMAS: dict[str, type[EventData]] = {
    "quote.created": QuoteData,
    "quote.status_changed": QuoteData,
    "quote.converted": QuoteData,
    "job.created": JobData,
    "job.updated": JobData,
    "job.completed": JobData,
    "invoice.created": InvoiceData,
    "invoice.issued": InvoiceData,
    "invoice.part_paid": InvoiceData,
    "invoice.paid": InvoiceData,
    "invoice.voided": InvoiceData,
    "invoice.reopened": InvoiceData,
    "recurring_invoice.created": RecurringInvoiceData,
    "recurring_invoice.updated": RecurringInvoiceData,
    "recurring_invoice.paused": RecurringInvoiceData,
    "recurring_invoice.resumed": RecurringInvoiceData,
    "recurring_invoice.stopped": RecurringInvoiceData,
    "recurring_invoice.ended": RecurringInvoiceData,
    "recurring_invoice.invoiced": RecurringInvoiceInvoicedData,
    "credit_note.issued": CreditNoteData,
    "payment.received": PaymentData,
    "payment.allocated": AllocationData,
    "payment.deallocated": DeallocationData,
    "payment.reversed": PaymentReversedData,
    "refund.issued": RefundData,
    "account_credit.issued": PaymentData,
    "statement.generated": StatementGeneratedData,
    "document.send_requested": DocumentSendRequestedData,
    "ledger.balance_changed": LedgerBalanceChangedData,
    "card.stored": CardStoredData,
    "document_settings.updated": DocumentSettingsData,
    "service_reminder.booking_refused": ServiceBookingRefusedData,
}
