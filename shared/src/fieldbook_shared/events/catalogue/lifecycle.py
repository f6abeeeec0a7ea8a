"""Events every service publishes about the customer's life as a whole (issue 6)."""

from __future__ import annotations

from marshmallow import fields

from .base import EventData


class ErasureReportedData(EventData):
    """What one service did on `customer.erased`: counts and facts, never the erased data itself."""

    customer_id = fields.String(required=True)
    service = fields.String(required=True)
    actions = fields.Dict(keys=fields.String(), required=True)


SCHEMAS: dict[str, type[EventData]] = {
    "customer.erasure_reported": ErasureReportedData,
}
