"""What every event data schema shares."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields


class EventData(Schema):
    """Consumers load with `unknown=EXCLUDE` so a producer may add fields without breaking them."""

    class Meta:
        unknown = EXCLUDE


class CustomerRecordData(EventData):
    """One record that belongs to a customer (a contact, an invoice, an asset...)."""

    id = fields.String(required=True)
    customer_id = fields.String(required=True)


class VersionedRecordData(CustomerRecordData):
    """A snapshot of a customer's record; `version` lets read models ignore stale, out-of-order
    copies."""

    version = fields.Integer(required=True)


def money(**kw) -> fields.Decimal:
    """An amount: a string with two decimals."""
    return fields.Decimal(as_string=True, places=2, **kw)
