"""What a valid customer, contact and work address look like on the way in.

The request schemas the API loads (`api/schemas.py` builds on them) and the CSV import checks each
row with, so that a row and a POST refuse the same input. marshmallow only: no Flask, no session.
A request's unknown fields are refused (the kit's StrictSchema).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from marshmallow import Schema, fields, validate

from fieldbook_shared.schemas import StrictSchema

from . import rules


def bounded_text(max_len: int, **kw) -> fields.String:
    return fields.String(validate=validate.Length(max=max_len), **kw)


# the largest amount a Money column (NUMERIC(12, 2)) holds: a larger one is a 422 naming the field,
# never a numeric overflow in the database (PostgreSQL) or a value no other reader can store
MAX_AMOUNT = Decimal("9999999999.99")


def money(**kw) -> fields.Decimal:
    return fields.Decimal(places=2, rounding=ROUND_HALF_UP, as_string=True, **kw)


class AddressSchema(Schema):
    line_1 = bounded_text(200, allow_none=True)
    line_2 = bounded_text(200, allow_none=True)
    line_3 = bounded_text(200, allow_none=True)
    town = bounded_text(100, allow_none=True)
    county = bounded_text(100, allow_none=True)
    postcode = bounded_text(16, allow_none=True)


class PhoneSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(rules.PHONE_TYPES))
    number = fields.String(
        required=True, validate=[validate.Length(min=3, max=40), validate.Regexp(r".*\d.*")]
    )


class CommunicationPreferencesSchema(Schema):
    email = fields.Boolean()
    sms = fields.Boolean()
    letter = fields.Boolean()
    phone = fields.Boolean()


class ContactInSchema(StrictSchema):
    title = bounded_text(30, allow_none=True)
    first_name = bounded_text(100, allow_none=True)
    surname = fields.String(required=True, validate=validate.Length(min=1, max=100))
    position = bounded_text(100, allow_none=True)
    phones = fields.List(fields.Nested(PhoneSchema), validate=validate.Length(max=10))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    urls = fields.List(fields.Url(), validate=validate.Length(max=10))
    primary = fields.Boolean()
    communication_preferences = fields.Nested(CommunicationPreferencesSchema)


class CustomerInSchema(StrictSchema):
    type = fields.String(required=True, validate=validate.Length(min=1, max=50))
    title = bounded_text(30, allow_none=True)
    first_name = bounded_text(100, allow_none=True)
    surname = bounded_text(100, allow_none=True)
    company_name = bounded_text(200, allow_none=True)
    business_type = bounded_text(100, allow_none=True)
    address = fields.Nested(AddressSchema, required=True)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    status = fields.String(validate=validate.OneOf(rules.STATUSES))
    credit_limit = money(allow_none=True, validate=validate.Range(min=0, max=MAX_AMOUNT))
    payment_terms_days = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=365))
    account_manager = bounded_text(200, allow_none=True)
    advertising_source = bounded_text(200, allow_none=True)
    price_book = bounded_text(200, allow_none=True)
    invoice_address_format = bounded_text(500, allow_none=True)
    custom_fields = fields.Dict(keys=fields.String(validate=validate.Length(max=64)))
    communication_preferences = fields.Nested(CommunicationPreferencesSchema)
    primary_contact = fields.Nested(ContactInSchema)


class PersonSchema(Schema):
    title = bounded_text(30, allow_none=True)
    first_name = bounded_text(100, allow_none=True)
    surname = bounded_text(100, allow_none=True)
    company_name = bounded_text(200, allow_none=True)
    email = fields.Email(allow_none=True)
    phone = bounded_text(40, allow_none=True)


class WorkAddressInSchema(StrictSchema):
    name = bounded_text(200, allow_none=True)
    address = fields.Nested(AddressSchema, required=True)
    status = fields.String(validate=validate.OneOf(rules.STATUSES))
    landlord = fields.Nested(PersonSchema, allow_none=True)
    occupier = fields.Nested(PersonSchema, allow_none=True)
    communication_preferences = fields.Nested(CommunicationPreferencesSchema)
