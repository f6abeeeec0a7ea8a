"""Events published by the webhooks service (docs/architecture.md §4)."""

from __future__ import annotations

from marshmallow import fields

from .base import EventData


class EndpointDisabledData(EventData):
    """A partner's webhook endpoint failed for days and was disabled: its admin is told (the
    endpoint also shows `status: disabled` with the reason)."""

    id = fields.String(required=True)
    url = fields.String(required=True)
    description = fields.String(allow_none=True)
    failing_since = fields.DateTime(required=True)
    disabled_at = fields.DateTime(required=True)
    reason = fields.String(required=True)


SCHEMAS: dict[str, type[EventData]] = {
    "webhook_endpoint.disabled": EndpointDisabledData,
}
