"""Events published by the accounting-sync service."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import EventData


class AccountingCustomerLinkedData(EventData):
    customer_id = fields.String(required=True)
    accounts_ref = fields.String(required=True, validate=validate.Length(min=1, max=8))


class AccountingSyncFailedData(EventData):
    customer_id = fields.String(required=True)
    error = fields.String(required=True)


class AccountingBalanceUpdatedData(EventData):
    customer_id = fields.String(required=True)
    balance = fields.Decimal(as_string=True, required=True, places=2)
    as_of = fields.DateTime(required=True)


SCHEMAS: dict[str, type[EventData]] = {
    "accounting.customer_linked": AccountingCustomerLinkedData,
    "accounting.sync_failed": AccountingSyncFailedData,
    "accounting.balance_updated": AccountingBalanceUpdatedData,
}
