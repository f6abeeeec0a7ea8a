"""marshmallow schemas for every request and response of accounting-sync (requests: unknown=RAISE)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from fieldbook_shared.schemas import StrictSchema

from ..store.models import STATUSES

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
