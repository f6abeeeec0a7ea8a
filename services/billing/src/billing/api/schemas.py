"""marshmallow schemas for every request and response of the billing service.

Requests refuse unknown fields (RAISE), so a typo is a 422, never silently dropped. Amounts are
strings with two decimals in and out; dates are ISO dates, times UTC ISO 8601.
"""

from __future__ import annotations

from datetime import UTC
from decimal import ROUND_HALF_UP, Decimal

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from fieldbook_shared.apidoc import Computed
from fieldbook_shared.events.catalogue.billing import (
    CardStoredData,
    CreditNoteData,
    InvoiceData,
    JobData,
    PaymentData,
    QuoteData,
    RefundData,
)
from fieldbook_shared.schemas import FromCatalogue, Id, PagedQuery, StrictSchema

from .. import record_exports
from ..domain import money, recurrence, rules


def _money(**kw) -> fields.Decimal:
    return fields.Decimal(places=2, rounding=ROUND_HALF_UP, as_string=True, **kw)


def _positive_money(**kw) -> fields.Decimal:
    return _money(validate=validate.Range(min=Decimal("0.01"), max=Decimal("9999999999.99")), **kw)


def _text(max_len: int, **kw) -> fields.String:
    return fields.String(validate=validate.Length(max=max_len), **kw)


# --- lines -----------------------------------------------------------------------------------------


class LineInSchema(StrictSchema):
    description = fields.String(required=True, validate=validate.Length(min=1, max=500))
    quantity = fields.Decimal(
        required=True, places=3, validate=validate.Range(min=Decimal("0.001"), max=Decimal("999999"))
    )
    unit_price = _money(required=True, validate=validate.Range(min=Decimal("0"), max=Decimal("99999999")))
    vat_rate = fields.Decimal(
        required=True, places=2, validate=validate.Range(min=Decimal("0"), max=Decimal("100"))
    )
    category = fields.String(load_default="other", validate=validate.OneOf(money.CATEGORIES))


class LineSchema(Schema):
    description = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit_price = _money()
    vat_rate = fields.Decimal(as_string=True)
    category = fields.String()
    net = _money()
    vat = _money()
    total = _money()


class InvoiceLineSchema(LineSchema):
    job_id = fields.String(allow_none=True)


class VatRateSchema(Schema):
    rate = fields.Decimal(as_string=True, metadata={"description": "The VAT rate, per cent."})
    net = _money()
    vat = _money()
    total = _money()


class WithVatBreakdown(Schema):
    """A document's net, VAT and total per VAT rate, from its lines (domain.money.vat_breakdown);
    its PDF prints this very list."""

    vat_breakdown = Computed("_vat_breakdown", VatRateSchema, many=True)

    def _vat_breakdown(self, obj) -> list[dict]:
        lines = obj["lines"] if isinstance(obj, dict) else obj.lines
        return VatRateSchema(many=True).dump(money.vat_breakdown(lines))


_lines_in = dict(validate=validate.Length(min=1, max=500))


# --- quotes and jobs -------------------------------------------------------------------------------


class ListQuerySchema(PagedQuery):
    """The filters of the quotes, jobs and invoices lists (each list names its statuses)."""

    work_address_id = Id(metadata={"description": "Only those for this work address."})
    from_ = fields.Date(
        data_key="from",
        metadata={"description": "From this date (an invoice's date; the day a quote or job was made)."},
    )
    to = fields.Date(metadata={"description": "Up to and including this date."})

    @validates_schema
    def _period(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            raise ValidationError("Must not be before `from`.", "to")


def _status_filter(statuses, description: str) -> fields.String:
    return fields.String(validate=validate.OneOf(statuses), metadata={"description": description})


class QuoteListQuerySchema(ListQuerySchema):
    status = _status_filter(rules.QUOTE_STATUSES, "Only quotes in this status.")


class JobListQuerySchema(ListQuerySchema):
    status = _status_filter(rules.JOB_STATUSES, "Only jobs in this status.")


class InvoiceListQuerySchema(ListQuerySchema):
    status = _status_filter(
        (*rules.INVOICE_STATUSES, "overdue"),
        "Only invoices in this status; `overdue`: issued or part paid and due before today.",
    )
    recurring_invoice_id = Id(metadata={"description": "Only the invoices this recurring invoice raised."})


class QuoteInSchema(StrictSchema):
    description = _text(500, allow_none=True)
    work_address_id = Id(allow_none=True)  # stored as its string
    lines = fields.List(fields.Nested(LineInSchema), required=True, **_lines_in)


class QuotePatchSchema(StrictSchema):
    description = _text(500, allow_none=True)
    work_address_id = Id(allow_none=True)
    lines = fields.List(fields.Nested(LineInSchema), **_lines_in)


class QuoteStatusSchema(StrictSchema):
    status = fields.String(required=True, validate=validate.OneOf(["sent", "accepted", "rejected"]))


class QuoteSchema(FromCatalogue, WithVatBreakdown, QuoteData):
    """A quote as the API shows it: the snapshot its events carry, with its lines and answer."""

    description = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(LineSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    decided_by = fields.String(
        allow_none=True, metadata={"description": "The name the customer gave, answering through the link."}
    )
    decided_at = fields.DateTime(allow_none=True)
    decision_comment = fields.String(allow_none=True)


class AcceptanceLinkInSchema(StrictSchema):
    expires_in_days = fields.Integer(
        load_default=30,
        validate=validate.Range(min=1, max=365),
        metadata={"description": "How many days the link works (default 30)."},
    )


class AcceptanceLinkSchema(Schema):
    url = fields.String(metadata={"description": "The page the customer opens: no API key needed."})
    token = fields.String(metadata={"description": "The signed token in the URL, for a page of your own."})
    expires_at = fields.DateTime()


class QuoteDecisionSchema(StrictSchema):
    decision = fields.String(required=True, validate=validate.OneOf(list(rules.LINK_DECISIONS)))
    name = fields.String(
        required=True,
        validate=[validate.Length(max=200), validate.Predicate("strip", error="Give your name.")],
        metadata={"description": "Who accepts or rejects, as they sign it."},
    )
    comment = fields.String(allow_none=True, validate=validate.Length(max=1000))


class PublicQuoteSchema(WithVatBreakdown):
    """A quote as its customer sees it through the acceptance link: no internal ids."""

    number = fields.Integer()
    status = fields.String()
    description = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(LineSchema))
    net = _money()
    vat = _money()
    total = _money()
    created_at = fields.DateTime()
    decided_by = fields.String(allow_none=True, metadata={"description": "The name given with the answer."})
    decided_at = fields.DateTime(allow_none=True)
    business_name = fields.String(metadata={"description": "Who sends the quote (document settings)."})
    link_expires_at = fields.DateTime()
    changed_since_link = fields.Boolean(
        metadata={
            "description": "The quote was edited after this link was made: it can no longer be answered "
            "through it (409); the office sends a new link."
        }
    )
    pdf_url = fields.String(metadata={"description": "The quote as a PDF, through the same link."})


class JobFieldsSchema(StrictSchema):
    description = _text(500, allow_none=True)
    scheduled_start = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    scheduled_end = fields.AwareDateTime(allow_none=True, default_timezone=UTC)
    engineer = _text(200, allow_none=True)
    priority = fields.String(allow_none=True, validate=validate.OneOf(["low", "normal", "high", "urgent"]))
    category = _text(100, allow_none=True)
    work_address_id = fields.String(allow_none=True, validate=validate.Length(max=36))
    asset_id = fields.String(allow_none=True, validate=validate.Length(max=36))
    service_reminder_id = fields.String(
        allow_none=True,
        validate=validate.Length(max=36),
        metadata={"description": "The service reminder (servicing) this job services: a service job."},
    )

    @validates_schema
    def _dates(self, data, **kwargs):
        start, end = data.get("scheduled_start"), data.get("scheduled_end")
        if start and end and end < start:
            raise ValidationError("Must not be before scheduled_start.", "scheduled_end")


class ConvertSchema(JobFieldsSchema):
    pass


class JobInSchema(JobFieldsSchema):
    lines = fields.List(fields.Nested(LineInSchema), validate=validate.Length(max=500))


class JobPatchSchema(JobFieldsSchema):
    status = fields.String(validate=validate.OneOf(rules.JOB_STATUSES))


class JobSchema(FromCatalogue, JobData):
    """A job as the API shows it: the snapshot its events carry, and what came of it."""

    description = fields.String(allow_none=True)
    invoice_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sla_due_at = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "At a work address a contract covers: when the response is due (made + the "
            "plan's SLA hours). Null without an SLA."
        },
    )
    sla_breached = fields.Boolean(
        allow_none=True,
        metadata={"description": "Completed after `sla_due_at`, or still open past it. Null without an SLA."},
    )


class ConvertedSchema(Schema):
    quote = fields.Nested(QuoteSchema)
    job = fields.Nested(JobSchema)


# --- invoices --------------------------------------------------------------------------------------


class InvoiceFieldsSchema(StrictSchema):
    description = _text(500, allow_none=True)
    notes = _text(5000, allow_none=True)
    invoice_date = fields.Date()
    due_date = fields.Date()
    retention_pct = fields.Decimal(places=2, validate=validate.Range(min=Decimal("0"), max=Decimal("100")))
    work_address_id = fields.String(allow_none=True, validate=validate.Length(max=36))
    draft = fields.Boolean(load_default=False)


class InvoiceInSchema(InvoiceFieldsSchema):
    job_id = fields.UUID(allow_none=True)
    lines = fields.List(fields.Nested(LineInSchema), **_lines_in)

    @validates_schema
    def _lines_or_job(self, data, **kwargs):
        if not data.get("job_id") and not data.get("lines"):
            raise ValidationError("Give the lines, or the job to invoice.", "lines")


class InvoicePatchSchema(StrictSchema):
    description = _text(500, allow_none=True)
    notes = _text(5000, allow_none=True)
    invoice_date = fields.Date()
    due_date = fields.Date()
    retention_pct = fields.Decimal(places=2, validate=validate.Range(min=Decimal("0"), max=Decimal("100")))
    lines = fields.List(fields.Nested(LineInSchema), **_lines_in)


class ConsolidatedJobSchema(StrictSchema):
    job_id = fields.UUID(required=True)
    lines = fields.List(fields.Nested(LineInSchema), validate=validate.Length(max=500))


class ConsolidatedInSchema(InvoiceFieldsSchema):
    customer_id = fields.UUID(required=True)
    jobs = fields.List(
        fields.Nested(ConsolidatedJobSchema), required=True, validate=validate.Length(min=2, max=200)
    )


def _sage_id() -> fields.String:
    return fields.String(
        allow_none=True,
        metadata={"description": "Its id in Sage once accounting-sync posted it there; null until then."},
    )


class InvoiceSchema(FromCatalogue, WithVatBreakdown, InvoiceData):
    """An invoice as the API shows it: the snapshot its events carry, with its lines and dates."""

    description = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    job_id = fields.String(allow_none=True)
    work_address_id = fields.String(allow_none=True)
    invoice_address = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(InvoiceLineSchema))
    retention_pct = fields.Decimal(as_string=True)
    created_at = fields.DateTime()
    issued_at = fields.DateTime(allow_none=True)
    voided_at = fields.DateTime(allow_none=True)
    sage_id = _sage_id()
    recurring_invoice_id = fields.String(
        allow_none=True, metadata={"description": "The recurring invoice that raised it, if one did."}
    )
    period_start = fields.Date(allow_none=True, metadata={"description": "The period it bills, from…"})
    period_end = fields.Date(allow_none=True, metadata={"description": "…to (both days included)."})


# --- recurring invoices ------------------------------------------------------------------------------

_FREQUENCY = "monthly, quarterly or yearly: periods of 1, 3 or 12 months from the start date."
_LINE_EXAMPLE = {
    "description": "Boiler cover, monthly",
    "quantity": "1",
    "unit_price": "25.00",
    "vat_rate": "20",
    "category": "labour",
}


class RecurringInvoiceInSchema(StrictSchema):
    frequency = fields.String(
        required=True,
        validate=validate.OneOf(recurrence.FREQUENCIES),
        metadata={"description": _FREQUENCY, "example": "monthly"},
    )
    start_date = fields.Date(
        metadata={
            "description": "The first period's first day (default today; not before today). A period "
            "starting on the 29th–31st starts on the last day of shorter months.",
            "example": "2027-01-31",
        }
    )
    end_date = fields.Date(
        allow_none=True,
        metadata={
            "description": "The last day a period may start on; none: until stopped.",
            "example": "2027-12-31",
        },
    )
    contract_id = Id(
        allow_none=True,
        metadata={"description": "The service contract it bills, when it comes from one (servicing)."},
    )
    description = _text(500, allow_none=True, metadata={"example": "Boiler cover"})
    notes = _text(5000, allow_none=True)
    work_address_id = Id(allow_none=True)
    retention_pct = fields.Decimal(places=2, validate=validate.Range(min=Decimal("0"), max=Decimal("100")))
    draft = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Raise each period's invoice as a draft for a person to issue (default: issued)."
        },
    )
    lines = fields.List(
        fields.Nested(LineInSchema), required=True, metadata={"example": [_LINE_EXAMPLE]}, **_lines_in
    )


class RecurringInvoicePatchSchema(StrictSchema):
    """What may change on an active or paused recurring invoice (the invoices still to come); the
    frequency, start and contract define it: for those, stop it and set up another."""

    end_date = fields.Date(
        allow_none=True,
        metadata={
            "description": "The last day a period may start on; null: until stopped. Not before the start "
            "nor the last period invoiced; before the next date, the schedule ends.",
            "example": "2027-12-31",
        },
    )
    next_date = fields.Date(
        metadata={
            "description": "Move the next invoice to another period: the first day of one of its periods "
            "(start date plus whole periods), today or later, after the last period invoiced.",
            "example": "2027-03-31",
        }
    )
    description = _text(500, allow_none=True, metadata={"example": "Boiler cover"})
    notes = _text(5000, allow_none=True)
    work_address_id = Id(allow_none=True)
    retention_pct = fields.Decimal(
        places=2, allow_none=True, validate=validate.Range(min=Decimal("0"), max=Decimal("100"))
    )
    draft = fields.Boolean()
    lines = fields.List(fields.Nested(LineInSchema), metadata={"example": [_LINE_EXAMPLE]}, **_lines_in)


class RecurringInvoiceListQuerySchema(PagedQuery):
    status = _status_filter(recurrence.STATUSES, "Only recurring invoices in this status.")


class LastInvoiceSchema(Schema):
    id = fields.String()
    number = fields.Integer(metadata={"example": 1042})


class RecurringInvoiceSchema(WithVatBreakdown):
    id = fields.String(metadata={"example": "5b6f0c1e-8d1a-4a57-9a43-0f3c9e1d2b10"})
    customer_id = fields.String()
    contract_id = fields.String(allow_none=True)
    frequency = fields.String(metadata={"description": _FREQUENCY, "example": "monthly"})
    status = fields.String(
        metadata={
            "description": "active (raising invoices), paused, stopped, or ended (past its end date).",
            "example": "active",
        }
    )
    start_date = fields.Date(metadata={"example": "2027-01-31"})
    end_date = fields.Date(allow_none=True, metadata={"example": "2027-12-31"})
    next_date = fields.Date(
        allow_none=True,
        metadata={
            "description": "The day the next period's invoice is raised (and dated); "
            "null once stopped or ended.",
            "example": "2027-02-28",
        },
    )
    description = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    work_address_id = fields.String(allow_none=True)
    retention_pct = fields.Decimal(as_string=True)
    draft = fields.Boolean()
    lines = fields.List(fields.Nested(LineSchema))
    net = _money(metadata={"description": "Each invoice's net.", "example": "25.00"})
    vat = _money(metadata={"example": "5.00"})
    total = _money(metadata={"description": "Each invoice's total.", "example": "30.00"})
    invoices_raised = fields.Integer(metadata={"example": 1})
    last_invoice = Computed(
        "_last_invoice",
        LastInvoiceSchema,
        allow_none=True,
        metadata={"description": "The latest invoice it raised."},
    )
    last_error = fields.String(
        allow_none=True,
        metadata={
            "description": "Why the due period's invoice could not be raised at the last try "
            "(it is tried again)."
        },
    )
    version = fields.Integer()
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _last_invoice(self, obj) -> dict | None:
        if not obj.last_invoice_id:
            return None
        return LastInvoiceSchema().dump({"id": obj.last_invoice_id, "number": obj.last_invoice_number})


# --- credit notes, payments, account credit ----------------------------------------------------------


class CreditNoteInSchema(StrictSchema):
    customer_id = fields.UUID()
    invoice_id = fields.UUID()
    description = fields.String(required=True, validate=validate.Length(min=1, max=500))
    notes = _text(5000, allow_none=True)
    credit_date = fields.Date()
    breakdown = fields.String(load_default="full", validate=validate.OneOf(money.BREAKDOWNS))
    lines = fields.List(fields.Nested(LineInSchema), validate=validate.Length(max=500))

    @validates_schema
    def _target(self, data, **kwargs):
        if not data.get("customer_id") and not data.get("invoice_id"):
            raise ValidationError("Give the customer or the invoice to credit.", "customer_id")


class CreditNoteSchema(FromCatalogue, WithVatBreakdown, CreditNoteData):
    """A credit note as the API shows it: the snapshot its event carries, with its lines and use."""

    description = fields.String()
    notes = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(LineSchema))
    unallocated = _money()
    allocations = fields.List(fields.Nested("AllocationSchema"))  # defined below
    created_at = fields.DateTime()
    sage_id = _sage_id()


class AllocationInSchema(StrictSchema):
    invoice_id = fields.UUID(required=True)
    amount = _positive_money(required=True)


class AllocationsInSchema(StrictSchema):
    allocated_on = fields.Date()
    allocations = fields.List(
        fields.Nested(AllocationInSchema), required=True, validate=validate.Length(min=1, max=200)
    )


class AllocationSchema(Schema):
    id = fields.String()
    source_type = fields.String()
    source_id = fields.String()
    invoice_id = fields.String()
    amount = _money()
    allocated_on = fields.Date()
    deallocated_on = fields.Date(
        allow_none=True, metadata={"description": "When it was de-allocated; null while it stands."}
    )
    deallocation_reason = fields.String(allow_none=True)


class DeallocateInSchema(StrictSchema):
    deallocated_on = fields.Date(
        metadata={
            "description": "The day it is undone (default today; not in the future, nor before it "
            "was allocated). Statements as at an earlier date are unchanged."
        }
    )
    reason = _text(500, allow_none=True)


class DeallocatedSchema(Schema):
    allocation = fields.Nested(AllocationSchema)
    unallocated = _money(metadata={"description": "What is unallocated of the source now."})
    invoice_id = fields.String()
    invoice_status = fields.String()
    outstanding = _money(metadata={"description": "What is outstanding on the invoice now."})


class ReverseInSchema(StrictSchema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": 'Why, e.g. "Cheque returned unpaid".'},
    )
    reversed_on = fields.Date(
        metadata={
            "description": "The day it is reversed (default today; not in the future, nor before "
            "the payment's last movement). Statements as at an earlier date are unchanged."
        }
    )


class RefundInSchema(StrictSchema):
    amount = _positive_money(required=True)
    method = fields.String(
        required=True,
        validate=validate.OneOf(rules.PAYMENT_METHODS),
        metadata={"description": "How the money went back: one of " + ", ".join(rules.PAYMENT_METHODS) + "."},
    )
    reference = _text(200, allow_none=True)
    refunded_on = fields.Date(metadata={"description": "Default today; not in the future."})
    source_id = Id(
        allow_none=True,
        metadata={
            "description": "The payment, account credit or credit note to refund from; without it, "
            "the customer's unallocated credit, oldest first."
        },
    )


class RefundSourceSchema(Schema):
    source_type = fields.String()
    source_id = fields.String()
    amount = _money()


class RefundSchema(FromCatalogue, RefundData):
    """A refund as the API shows it: what `refund.issued` carries."""

    sources = fields.List(fields.Nested(RefundSourceSchema))
    created_at = fields.DateTime()


class AllocationsResultSchema(Schema):
    allocations = fields.List(fields.Nested(AllocationSchema))
    unallocated = _money()


# A payment's method is one of a fixed list; a nominal account is the business's own code in its
# chart of accounts (Sage 50 "4000", "1200"; other ledgers use letters too), so it stays free text
# within a code's shape.
NOMINAL_ACCOUNT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._/&()-]*$"


def _method(**kw) -> fields.String:
    return fields.String(
        validate=validate.OneOf(rules.PAYMENT_METHODS),
        metadata={"description": "How the money came: one of " + ", ".join(rules.PAYMENT_METHODS) + "."},
        **kw,
    )


def _nominal_account(**kw) -> fields.String:
    return fields.String(
        validate=[
            validate.Length(min=1, max=64),
            validate.Regexp(
                NOMINAL_ACCOUNT_PATTERN,
                error="A nominal account code: letters, digits, spaces and . _ / & ( ) -, "
                "starting with a letter or digit.",
            ),
        ],
        metadata={
            "description": "The nominal (ledger) account code in the business's chart of accounts — free "
            "text, as each business keeps its own codes: 1 to 64 characters, letters, digits, spaces and "
            ". _ / & ( ) -, starting with a letter or digit; e.g. 4000, 1200, SALES-LAB.",
            "example": "4000",
        },
        **kw,
    )


class PaymentInSchema(StrictSchema):
    customer_id = fields.UUID(required=True)
    method = _method(required=True)
    amount = _positive_money(required=True)
    received_on = fields.Date()
    reference = _text(200, allow_none=True)
    nominal_account = _nominal_account(allow_none=True)
    allocations = fields.List(fields.Nested(AllocationInSchema), validate=validate.Length(max=200))


class AccountCreditInSchema(StrictSchema):
    credit_date = fields.Date()
    reference = _text(200, allow_none=True)
    method = _method(required=True)
    nominal_account = _nominal_account(required=True)
    amount = _positive_money(required=True)


class PaymentSchema(FromCatalogue, PaymentData):
    """A payment or account credit as the API shows it: what its event carries, and what became of it."""

    kind = fields.String(validate=validate.OneOf(("payment", "account_credit")))
    method = _method()
    reference = fields.String(allow_none=True)
    nominal_account = fields.String(
        allow_none=True, metadata={"description": "The nominal account code given (see the request)."}
    )
    allocations = fields.List(fields.Nested(AllocationSchema))
    status = fields.String(
        validate=validate.OneOf(("received", "reversed")),
        metadata={"description": "`reversed` once reversed (e.g. a bounced cheque)."},
    )
    reversed_on = fields.Date(allow_none=True)
    reversal_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sage_id = _sage_id()


# --- cards -------------------------------------------------------------------------------------------


class CardInSchema(StrictSchema):
    """Only the provider's token and what a person needs to recognise the card."""

    provider = _text(64, allow_none=True)
    provider_token = fields.String(required=True, validate=validate.Length(min=4, max=255))
    brand = fields.String(required=True, validate=validate.Length(min=1, max=32))
    last4 = fields.String(required=True, validate=validate.Regexp(r"^\d{4}$"))
    expiry_month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    expiry_year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    name_on_card = _text(200, allow_none=True)

    @pre_load
    def _no_card_secrets(self, data, **kwargs):
        """A PAN or CVC is refused by name and by shape, and the message never repeats it."""
        if isinstance(data, dict):
            rules.refuse_card_secrets(data)
        return data


class CardSchema(FromCatalogue, CardStoredData):
    """A stored card as the API shows it: what `card.stored` carries, and its provider."""

    provider = fields.String(allow_none=True)
    name_on_card = fields.String(allow_none=True)
    created_at = fields.DateTime()


# --- figures and statements -----------------------------------------------------------------------------


class AccountQuerySchema(StrictSchema):
    spend_from = fields.Date()
    spend_to = fields.Date()
    as_at = fields.Date(
        metadata={
            "description": "The figures as at the end of this date (default today; not in the future), "
            "added up from the ledger as the statement as at that date is."
        }
    )


class AgeingSchema(Schema):
    current = _money()
    _1_30 = _money(data_key="1_30", attribute="1_30")
    _31_60 = _money(data_key="31_60", attribute="31_60")
    _61_90 = _money(data_key="61_90", attribute="61_90")
    over_90 = _money()


class SpendSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    amount = _money()


class AccountSchema(Schema):
    customer_id = fields.String()
    name = fields.String(allow_none=True)
    blocked = fields.Boolean()
    block_reason = fields.String(allow_none=True)
    credit_limit = _money(allow_none=True)
    payment_terms_days = fields.Integer(allow_none=True)
    balance = _money()
    total_due = _money()
    unallocated_credit = _money()
    account_credit_available = _money()
    overdue = _money()
    debt_age_days = fields.Integer()
    ageing = fields.Nested(AgeingSchema)
    lifetime_value = _money()
    spend = fields.Nested(SpendSchema)
    retentions = _money()
    open_jobs = fields.Integer()
    future_jobs = fields.Integer()
    account_current = fields.Boolean()
    as_of = fields.Date()


class ExportQuerySchema(StrictSchema):
    format = fields.String(
        load_default="csv",
        validate=validate.OneOf(record_exports.FORMATS),
        metadata={"description": "csv (default), xlsx or pdf."},
    )


class StatementQuerySchema(StrictSchema):
    as_at = fields.Date()
    from_ = fields.Date(data_key="from")


def _recipient(value: str) -> None:
    """A contact id (a UUID) or an email address."""
    try:
        fields.UUID().deserialize(value)
        return
    except ValidationError:
        pass
    try:
        fields.Email().deserialize(value)
    except ValidationError:
        raise ValidationError("Neither a contact id nor an email address.") from None


class DocumentSendInSchema(StrictSchema):
    """Who the document goes to and with what words; every field optional."""

    to = fields.List(
        fields.String(validate=[validate.Length(max=254), _recipient]),
        validate=validate.Length(min=1, max=20),
        metadata={
            "description": "Contact ids or email addresses; left out → the customer's primary contact "
            "(else the customer's own email)."
        },
    )
    template_id = Id(
        metadata={"description": "An email template of comms; default a short note naming the document."}
    )
    message = _text(
        4000,
        metadata={
            "description": "The sender's own words, as written: above the template's text, or after "
            "the default note's line naming the document."
        },
    )


class DocumentSendSchema(Schema):
    """What was queued: comms writes and sends the email (see the customer's communications log)."""

    id = fields.String(metadata={"description": "The request's id (its event's id)."})
    status = fields.String(metadata={"example": "queued"})
    kind = fields.String(metadata={"example": "invoice"})
    document_id = fields.String()
    number = fields.Integer()
    customer_id = fields.String()
    to = fields.List(fields.String(), metadata={"description": "As asked; empty → the primary contact."})
    template_id = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    acceptance_url = fields.String(
        metadata={"description": "A quote's: the signed page where the customer accepts or rejects it."}
    )


class StatementSendSchema(StrictSchema):
    as_at = fields.Date()
    from_ = fields.Date(data_key="from")


class StatementItemSchema(Schema):
    date = fields.Date()
    kind = fields.String()
    description = fields.String()
    reference = fields.String()
    document_id = fields.String()
    debit = _money()
    credit = _money()
    balance = _money()


class UnpaidInvoiceSchema(Schema):
    invoice_id = fields.String()
    reference = fields.String()
    invoice_date = fields.Date()
    due_date = fields.Date()
    total = _money()
    outstanding = _money()
    days_overdue = fields.Integer()
    overdue = fields.Boolean(
        metadata={"description": "Due before the statement date and still outstanding on it."}
    )
    debt_age_days = fields.Integer(
        metadata={"description": "Days past due as at the statement date; 0 when not yet due."}
    )


class UnallocatedCreditSchema(Schema):
    source_id = fields.String()
    type = fields.String()
    reference = fields.String()
    date = fields.Date()
    amount = _money()
    unallocated = _money()


class StatementCustomerSchema(Schema):
    id = fields.String()
    name = fields.String()
    address = fields.List(fields.String())
    payment_terms_days = fields.Integer(allow_none=True)


class StatementSchema(Schema):
    id = fields.String()
    customer = fields.Nested(StatementCustomerSchema)
    as_at = fields.Date()
    period_from = fields.Date()
    opening_balance = _money()
    items = fields.List(fields.Nested(StatementItemSchema))
    closing_balance = _money()
    unpaid_invoices = fields.List(fields.Nested(UnpaidInvoiceSchema))
    unallocated_credits = fields.List(fields.Nested(UnallocatedCreditSchema))
    ageing = fields.Nested(AgeingSchema)
    overdue = _money(metadata={"description": "Outstanding on the invoices overdue at the statement date."})
    debt_age_days = fields.Integer(
        metadata={"description": "The oldest overdue invoice's days past due; 0 when nothing is overdue."}
    )
    total_due = _money()
    total_unallocated = _money()
    balance = _money()
    adds_up = fields.Boolean()
    generated_at = fields.DateTime()


class ReconciliationSchema(Schema):
    customers_checked = fields.Integer()
    ledger_entries = fields.Integer()
    jobs = fields.Integer()
    mismatches = fields.List(fields.Dict())
    ok = fields.Boolean()


# --- reports -----------------------------------------------------------------------------------------

REPORT_FORMATS = ("json", *record_exports.FORMATS)


class AgedDebtorsQuerySchema(StrictSchema):
    as_at = fields.Date(
        metadata={"description": "As at the end of this date (default today; not in the future)."}
    )
    format = fields.String(
        validate=validate.OneOf(REPORT_FORMATS),
        metadata={
            "description": "json, csv, xlsx or pdf; without it the `Accept` header chooses (default JSON)."
        },
    )


class _DebtFiguresSchema(Schema):
    balance = _money()
    total_due = _money(metadata={"description": "Outstanding on invoices; the ageing adds up to it."})
    total_unallocated = _money(metadata={"description": "Credit received and not yet allocated."})
    ageing = fields.Nested(AgeingSchema)
    overdue = _money()
    debt_age_days = fields.Integer()


class AgedDebtorSchema(_DebtFiguresSchema):
    customer_id = fields.String()
    name = fields.String()
    accounts_ref = fields.String(allow_none=True, metadata={"description": "The Sage account, once linked."})


class AgedDebtorsTotalsSchema(_DebtFiguresSchema):
    customers = fields.Integer()


class AgedDebtorsSchema(Schema):
    as_at = fields.Date()
    customers = fields.List(fields.Nested(AgedDebtorSchema))
    totals = fields.Nested(AgedDebtorsTotalsSchema)
    generated_at = fields.DateTime()
