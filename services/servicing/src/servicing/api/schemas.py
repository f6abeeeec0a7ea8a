"""marshmallow schemas for every request and response of the servicing service.

Requests refuse unknown fields (the kit's StrictSchema), so a typo is a 422, never silently dropped;
so do query strings (`unknown=RAISE` in the views, `PagedQuery` for paged lists). Ids are UUIDs.
"""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields, validate

from fieldbook_shared.events.catalogue.servicing import ContractData
from fieldbook_shared.schemas import Id, PagedQuery, StrictSchema

from ..domain.contracts import BILLING_FREQUENCIES, CONTRACT_STATUSES
from ..domain.rules import DECISIONS, STATUSES


class ReminderSendSchema(Schema):
    stage = fields.String(metadata={"description": "first, second or overdue."})
    due_date = fields.Date(metadata={"description": "The service date the reminder was about."})
    status = fields.String(metadata={"description": "requested (comms sends it) or skipped."})
    reason = fields.String(allow_none=True, metadata={"description": "Why it was skipped."})
    channel = fields.String(
        allow_none=True,
        metadata={
            "description": "How it was requested: email, or letter (comms records a letter for the "
            "office to print, GET /v1/letters); null when skipped."
        },
    )
    on_day = fields.Date(metadata={"description": "The day the chain decided it."})
    created_at = fields.DateTime()


class ReminderSchema(Schema):
    id = fields.String()
    asset_id = fields.String()
    customer_id = fields.String()
    work_address_id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "due, booked, postponed or cancelled."})
    interval_months = fields.Integer(
        allow_none=True,
        metadata={"description": "The interval that applies: the asset's, its work address's or its type's."},
    )
    last_service_date = fields.Date(allow_none=True)
    last_job_id = fields.String(allow_none=True, metadata={"description": "The service job completed last."})
    due_date = fields.Date(allow_none=True, metadata={"description": "The next service date."})
    due_set_by_hand = fields.Date(
        allow_none=True, metadata={"description": "A date set by hand or a postponement."}
    )
    booked_for = fields.Date(allow_none=True)
    job_id = fields.String(allow_none=True, metadata={"description": "billing's job for the booked service."})
    reason = fields.String(
        allow_none=True,
        metadata={
            "description": "Why it was postponed or cancelled, or why billing refused its booking "
            "(then `Booking refused: ...`, the status due again and decided_by `billing`)."
        },
    )
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ReminderDetailSchema(ReminderSchema):
    sends = fields.List(
        fields.Nested(ReminderSendSchema), metadata={"description": "The reminder chain so far."}
    )


class ReminderQuerySchema(PagedQuery):
    due_before = fields.Date(metadata={"description": "Only reminders due before this date."})
    work_address_id = Id()
    customer_id = Id()
    asset_id = Id()
    status = fields.String(validate=validate.OneOf(STATUSES))


class ReminderPatchSchema(StrictSchema):
    due_date = fields.Date(
        required=True,
        allow_none=True,
        metadata={"description": "A date set by hand; null: from the interval again."},
    )


class DecisionSchema(StrictSchema):
    reminder_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=500))
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    date = fields.Date(
        allow_none=True, metadata={"description": "book: the job's date; postpone: the new service date."}
    )
    reason = fields.String(
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": "Required to postpone or cancel."},
    )


class IntervalInSchema(StrictSchema):
    months = fields.Integer(required=True, validate=validate.Range(min=1, max=120))


class IntervalSchema(Schema):
    id = fields.String()
    scope = fields.String(metadata={"description": "asset_group (an asset type), work_address or asset."})
    scope_id = fields.String()
    months = fields.Integer()
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


# --- service plans and contracts --------------------------------------------------------------------


class ServicePlanInSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    price = fields.Decimal(
        required=True,
        as_string=True,
        places=2,
        validate=validate.Range(min=0, max=9999999999),
        metadata={"description": 'Per billing period, a decimal string: "180.00".'},
    )
    billing_frequency = fields.String(required=True, validate=validate.OneOf(BILLING_FREQUENCIES))
    visits_per_year = fields.Integer(required=True, validate=validate.Range(min=0, max=365))
    sla_response_hours = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=8760),
        metadata={"description": "Hours from a job made at a covered property to the response due."},
    )
    covers = fields.String(
        allow_none=True, validate=validate.Length(max=5000), metadata={"description": "What the plan covers."}
    )


class ServicePlanSchema(Schema):
    id = fields.String()
    name = fields.String()
    price = fields.Decimal(as_string=True, places=2)
    billing_frequency = fields.String(metadata={"description": ", ".join(BILLING_FREQUENCIES) + "."})
    visits_per_year = fields.Integer()
    sla_response_hours = fields.Integer(allow_none=True)
    covers = fields.String(allow_none=True)
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


# a contract's days: within these (a renewal moves the term on; no date overflows)
TERM_DAYS = validate.Range(min=date(1900, 1, 1), max=date(2199, 12, 31))


class ContractChangeSchema(StrictSchema):
    plan_id = Id()
    start_date = fields.Date(validate=TERM_DAYS)
    end_date = fields.Date(validate=TERM_DAYS, metadata={"description": "The term's last day (covered)."})
    auto_renew = fields.Boolean(metadata={"description": "Renewed for as long again at its end date."})
    work_address_ids = fields.List(
        Id(), validate=validate.Length(max=500), metadata={"description": "The properties it covers."}
    )
    asset_ids = fields.List(Id(), validate=validate.Length(max=500))


class ContractInSchema(ContractChangeSchema):
    plan_id = Id(required=True)
    start_date = fields.Date(required=True, validate=TERM_DAYS)
    end_date = fields.Date(
        required=True, validate=TERM_DAYS, metadata={"description": "The term's last day (covered)."}
    )
    auto_renew = fields.Boolean(load_default=False)
    work_address_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=500))
    asset_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=500))


class ContractCancelSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ContractSchema(ContractData):
    """A contract as the API shows it: the snapshot its events carry, and its history."""

    cancel_reason = fields.String(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    cancelled_by = fields.String(allow_none=True)
    renewed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ContractQuerySchema(PagedQuery):
    expiring_before = fields.Date(
        metadata={"description": "Active contracts whose end date is before this day."}
    )
    customer_id = Id()
    status = fields.String(validate=validate.OneOf(CONTRACT_STATUSES))
