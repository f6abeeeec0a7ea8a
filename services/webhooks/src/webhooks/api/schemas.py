"""marshmallow schemas for every request and response of the webhooks service.

Requests refuse unknown fields (the kit's StrictSchema), so a typo is a 422, never silently dropped;
so do query strings (`unknown=RAISE` in the views, `PagedQuery` for paged lists).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from fieldbook_shared.events import PUBLIC_EVENTS
from fieldbook_shared.schemas import PagedQuery, StrictSchema

from ..domain.rules import DELIVERY_STATUSES, ENDPOINT_STATUSES

EVENT_TYPES = sorted(PUBLIC_EVENTS)


class EndpointInSchema(StrictSchema):
    url = fields.Url(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=2000),
        metadata={"description": "Where deliveries are POSTed; its host must resolve to public addresses."},
    )
    event_types = fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "The public event types it receives (`/asyncapi.json` lists them)."},
    )
    description = fields.String(allow_none=True, validate=validate.Length(max=500))


class EndpointPatchSchema(EndpointInSchema):
    status = fields.String(
        validate=validate.OneOf(ENDPOINT_STATUSES),
        metadata={"description": "enabled again after a disable: the deliveries it kept resume, in order."},
    )


class RotateInSchema(StrictSchema):
    overlap_hours = fields.Integer(
        validate=validate.Range(min=0, max=168),
        metadata={"description": "How long the old secret still signs beside the new one (default 24)."},
    )


class EndpointSchema(Schema):
    id = fields.String()
    url = fields.String()
    description = fields.String(allow_none=True)
    event_types = fields.List(fields.String())
    status = fields.String(metadata={"description": "enabled or disabled."})
    disabled_reason = fields.String(allow_none=True)
    disabled_at = fields.DateTime(allow_none=True)
    failing_since = fields.DateTime(
        allow_none=True, metadata={"description": "Since when every attempt to it failed."}
    )
    previous_secret_expires_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "Until when the secret before the last rotation still signs."},
    )
    created_by = fields.String()
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class EndpointWithSecretSchema(EndpointSchema):
    secret = fields.String(
        metadata={"description": "`whsec_…`: verify deliveries with it. Shown here only, once."}
    )


class DeliverySchema(Schema):
    id = fields.String()
    message_id = fields.String(
        metadata={"description": "The `webhook-id` it is sent with (a replay keeps it)."}
    )
    event_type = fields.String()
    customer_id = fields.String(
        attribute="order_key",
        metadata={"description": "Whose event (deliveries of one customer go in order)."},
    )
    status = fields.String(metadata={"description": "pending, succeeded or failed (given up)."})
    attempts = fields.Integer(metadata={"description": "Attempts so far."})
    response_code = fields.Integer(
        allow_none=True, metadata={"description": "The last attempt's HTTP status."}
    )
    duration_ms = fields.Integer(allow_none=True, metadata={"description": "How long the last attempt took."})
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    last_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    replay_of = fields.String(allow_none=True, metadata={"description": "The delivery this one replays."})
    created_at = fields.DateTime()


class DeliveriesQuery(PagedQuery):
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))


class ReplaysSchema(Schema):
    replayed = fields.List(fields.Nested(DeliverySchema), metadata={"description": "The new deliveries."})
