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


class AccountingDocumentPostedData(EventData):
    """A billing document reached Sage (accounting-sync's postings): billing shows its Sage id."""

    kind = fields.String(required=True, validate=validate.OneOf(("invoice", "credit_note", "payment")))
    source_id = fields.String(required=True)  # the invoice's, credit note's or payment's id in billing
    customer_id = fields.String(required=True)
    sage_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


SCHEMAS: dict[str, type[EventData]] = {
    "accounting.customer_linked": AccountingCustomerLinkedData,
    "accounting.sync_failed": AccountingSyncFailedData,
    "accounting.balance_updated": AccountingBalanceUpdatedData,
    "accounting.document_posted": AccountingDocumentPostedData,
}
