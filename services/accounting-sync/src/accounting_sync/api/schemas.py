"""marshmallow schemas for every request and response of accounting-sync (requests: unknown=RAISE)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from fieldbook_shared.schemas import StrictSchema

from ..store.models import POSTING_KINDS, POSTING_STATUSES, STATUSES

STATUS_HELP = (
    "`pending`: waiting for (or between) attempts; `synced`: Sage holds the customer (a merged, deleted or "
    "erased one is marked inactive there); `needs_review`: a person chooses the Sage contact; `failed`: "
    "the attempts ran out, see `last_error`; `not_needed`: merged, deleted or erased in Fieldbook before "
    "it reached Sage, so nothing was (or will be) created there, see `status_reason`."
)


class CandidateSchema(Schema):
    sage_contact_id = fields.String()
    name = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    reasons = fields.List(fields.String())
    linked_to_customer_id = fields.String(allow_none=True)


class SyncStatusSchema(Schema):
    customer_id = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": list(STATUSES), "description": STATUS_HELP})
    status_reason = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "Why the status is `not_needed` (e.g. customer deleted before it reached Sage)."
        },
    )
    accounts_ref = fields.String(dump_only=True, allow_none=True)
    sage_contact_id = fields.String(dump_only=True, allow_none=True)
    attempts = fields.Integer(dump_only=True)
    last_attempt_at = fields.DateTime(dump_only=True, allow_none=True)
    next_attempt_at = fields.Method(
        "_next_attempt", dump_only=True, allow_none=True, metadata={"type": "string", "format": "date-time"}
    )
    last_error = fields.String(dump_only=True, allow_none=True)
    candidates = fields.List(fields.Nested(CandidateSchema), dump_only=True)
    removed = fields.String(
        dump_only=True, allow_none=True, metadata={"enum": ["merged", "deleted", "erased"]}
    )
    balance = fields.Decimal(
        places=2, rounding=ROUND_HALF_UP, as_string=True, dump_only=True, allow_none=True
    )
    balance_as_of = fields.DateTime(dump_only=True, allow_none=True)
    linked_at = fields.DateTime(dump_only=True, allow_none=True)
    updated_at = fields.DateTime(dump_only=True)

    def _next_attempt(self, row):
        if row.status != "pending" or row.next_attempt_at is None:
            return None
        return row.next_attempt_at.isoformat().replace("+00:00", "Z")


class StatusQuerySchema(StrictSchema):
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={"description": STATUS_HELP})


class CustomerIdsSchema(StrictSchema):
    customer_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=500))


class BalancePollSchema(StrictSchema):
    customer_ids = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=500))


class ReviewSchema(StrictSchema):
    action = fields.String(required=True, validate=validate.OneOf(["link", "create"]))
    sage_contact_id = fields.String(validate=validate.Length(min=1, max=64))

    @validates_schema
    def _contact_for_link(self, data, **_):
        if data.get("action") == "link" and not data.get("sage_contact_id"):
            raise ValidationError("Required to link: the Sage contact to link to.", "sage_contact_id")
        if data.get("action") == "create" and data.get("sage_contact_id"):
            raise ValidationError("Only with action link.", "sage_contact_id")


class PollAcceptedSchema(Schema):
    request_id = fields.Integer(dump_only=True)
    customer_ids = fields.List(fields.String(), dump_only=True)
    requested_at = fields.DateTime(dump_only=True)


class BusinessSchema(StrictSchema):
    business_id = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9._:-]{1,100}$", error="1 to 100 letters, digits, . _ : or -."),
        metadata={"description": "The Sage business id (sent to Sage as `X-Business`)."},
    )
    is_default = fields.Boolean(
        dump_only=True, metadata={"description": "True when the tenant has not chosen one: the deployment's."}
    )
    updated_at = fields.DateTime(dump_only=True, allow_none=True)
    updated_by = fields.String(dump_only=True, allow_none=True)


# --- postings: billing's documents to Sage ----------------------------------------------------------

POSTING_STATUS_HELP = (
    "`pending`: waiting for its next attempt, or for what it needs (its customer's Sage contact, the "
    "invoices a payment pays: `last_error` says which); `posted`: Sage holds it (`sage_id`); "
    "`needs_review`: a person decides (`last_error` says why: the customer is not linked, Sage refused "
    "it) — retry or skip; `failed`: the attempts ran "
    "out; `voided`: voided or reversed here after it was posted, and voided (a payment: deleted) in "
    "Sage; `not_needed`: voided or reversed before it reached Sage, or skipped by a person."
)
POSTING_KIND_HELP = (
    "`invoice` (a Sage sales invoice), `credit_note` (a sales credit note), `payment` (a contact "
    "payment with its allocations), `account_credit` (a contact payment on account), `refund` (a "
    "contact payment CUSTOMER_REFUND); `allocation`: a contact allocation (a payment's allocation "
    "made after the payment reached Sage, a credit note's, an account credit's); `deallocation`: "
    "an allocation made with its payment undone afterwards (the payment's allocations PUT again)."
)


class PostingSchema(Schema):
    id = fields.String(dump_only=True)
    kind = fields.String(
        dump_only=True, metadata={"enum": list(POSTING_KINDS), "description": POSTING_KIND_HELP}
    )
    source_id = fields.String(
        dump_only=True,
        metadata={"description": "The invoice's, credit note's, payment's or allocation's id."},
    )
    customer_id = fields.String(dump_only=True, allow_none=True)
    reference = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "What Sage's copy carries as its reference."},
    )
    status = fields.String(
        dump_only=True, metadata={"enum": list(POSTING_STATUSES), "description": POSTING_STATUS_HELP}
    )
    sage_id = fields.String(dump_only=True, allow_none=True, metadata={"description": "Its id in Sage."})
    attempts = fields.Integer(dump_only=True)
    last_attempt_at = fields.DateTime(dump_only=True, allow_none=True)
    next_attempt_at = fields.DateTime(dump_only=True, allow_none=True)
    last_error = fields.String(dump_only=True, allow_none=True)
    posted_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class PostingQuerySchema(StrictSchema):
    status = fields.String(
        validate=validate.OneOf(POSTING_STATUSES), metadata={"description": POSTING_STATUS_HELP}
    )
    kind = fields.String(validate=validate.OneOf(POSTING_KINDS), metadata={"description": POSTING_KIND_HELP})
    customer_id = fields.UUID()
    source_id = fields.UUID()


class PostingReviewSchema(StrictSchema):
    action = fields.String(
        required=True,
        validate=validate.OneOf(["retry", "skip"]),
        metadata={
            "description": "`retry`: try again now, from the start (e.g. once the customer is linked); "
            "`skip`: nothing is posted for it (e.g. done by hand in Sage) → `not_needed`."
        },
    )
