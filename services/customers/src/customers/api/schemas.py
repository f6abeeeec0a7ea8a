"""marshmallow schemas for every request and response of the customers service.

Requests refuse unknown fields (marshmallow's RAISE), so a typo is a 422, never silently dropped.
Amounts are strings with two decimals; times are UTC ISO 8601.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from fieldbook_shared.apidoc import Computed
from fieldbook_shared.events.catalogue.customers import BranchData, ContactData, CustomerData, WorkAddressData
from fieldbook_shared.schemas import FromCatalogue, PagedQuery, Stamped, StrictSchema

from ..domain import rules
from ..domain.inputs import (
    AddressSchema,
    ContactInSchema,
    CustomerInSchema,
    PhoneSchema,
    money,
)
from ..store.queries import SORTS

Str = fields.String


class Trimmed(fields.String):
    """Text stored without surrounding whitespace, so that "   " is as empty as ""."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class TrimmedOrNone(Trimmed):
    """Optional text where a blank value means none: "" and "   " load as None."""

    def deserialize(self, *args, **kwargs):
        return super().deserialize(*args, **kwargs) or None  # after the validators: "" passes them


# what the stored preferences and people look like in answers (kept as JSON, dumped as they are)
PREFERENCES_DOC = {
    "description": "May the business contact them this way.",
    "properties": {channel: {"type": "boolean"} for channel in ("email", "sms", "letter", "phone")},
}
PERSON_DOC = {
    "properties": {
        name: {"type": "string", "nullable": True}
        for name in ("title", "first_name", "surname", "company_name", "email", "phone")
    }
}


class ContactPatchSchema(ContactInSchema):
    archived = fields.Boolean()


class ContactSchema(FromCatalogue, ContactData, Stamped):
    """A contact as the API shows it: the snapshot its events carry."""

    id = fields.String(dump_only=True)
    customer_id = fields.String(dump_only=True)
    phones = fields.List(fields.Nested(PhoneSchema))
    primary = fields.Boolean(attribute="is_primary")
    communication_preferences = fields.Dict(metadata=PREFERENCES_DOC)


class CustomerPatchSchema(CustomerInSchema):
    class Meta:
        exclude = ("type", "primary_contact")


class BlockSchema(StrictSchema):
    reason = Trimmed(required=True, validate=validate.Length(min=1, max=500))


class UnblockSchema(StrictSchema):
    reason = Trimmed(allow_none=True, validate=validate.Length(max=500))


class CustomerSchema(FromCatalogue, CustomerData):
    """A customer as the API shows it: the snapshot its events carry, with its account figures and
    primary contact."""

    address = Computed("_address", AddressSchema)
    blocked_at = fields.DateTime(allow_none=True)
    unblock_reason = fields.String(allow_none=True)
    unblocked_at = fields.DateTime(allow_none=True)
    unblocked_by = fields.String(allow_none=True)
    credit_limit = money(allow_none=True)
    custom_fields = fields.Dict()
    communication_preferences = fields.Dict(metadata=PREFERENCES_DOC)
    accounts_balance = money(allow_none=True)
    accounts_balance_as_of = fields.DateTime(allow_none=True)
    has_transactions = fields.Boolean(
        metadata={
            "description": "Billing holds (or is writing) invoices, credit notes, payments, account credit "
            "or jobs for it: it cannot be deleted."
        }
    )
    primary_contact = Computed("_primary_contact", ContactSchema, allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _address(self, obj) -> dict:
        return obj.address  # the model's own nesting (store.models.AddressColumns), as events carry it

    def _primary_contact(self, obj):
        primary = next((c for c in obj.contacts if c.is_primary), None)
        return ContactSchema().dump(primary) if primary else None


class CustomerListItemSchema(Schema):
    """A row of the customer list: what the office sees at a glance (Riggott IMS's columns)."""

    id = fields.String()
    type = fields.String()
    display_name = fields.String()
    business_type = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    town = fields.String(allow_none=True)
    email = fields.String(
        metadata={"description": "The primary contact's email, else the customer's."}, allow_none=True
    )
    phone = fields.String(
        metadata={"description": "The primary contact's first phone, else the customer's."}, allow_none=True
    )
    status = fields.String()
    blocked = fields.Boolean()
    accounts_ref = fields.String(allow_none=True)
    created_at = fields.DateTime()


class CustomerQuerySchema(StrictSchema):
    q = fields.String(validate=validate.Length(min=1, max=200))
    type = fields.String()
    status = fields.String(validate=validate.OneOf(rules.STATUSES))
    blocked = fields.Boolean()
    postcode = fields.String(validate=validate.Length(max=16))
    account_manager = fields.String()
    accounts_ref = fields.String(validate=validate.Length(max=8))
    sort = fields.String(load_default="name", validate=validate.OneOf(list(SORTS)))


class ContactQuerySchema(PagedQuery):
    include_archived = fields.Boolean(load_default=True)


class BranchInSchema(StrictSchema):
    name = Trimmed(required=True, validate=validate.Length(min=1, max=200))
    code = TrimmedOrNone(
        allow_none=True, validate=validate.Length(max=50), metadata={"description": "Blank means no code."}
    )
    address = fields.Nested(AddressSchema, required=True)
    phones = fields.List(fields.Nested(PhoneSchema), validate=validate.Length(max=10))
    emails = fields.List(fields.Email(), validate=validate.Length(max=10))
    default_contact_id = fields.String(allow_none=True)


class BranchSchema(FromCatalogue, BranchData, Stamped):
    """A branch as the API shows it: the snapshot its events carry."""

    address = Computed("_address", AddressSchema)
    phones = fields.List(fields.Nested(PhoneSchema))

    _address = CustomerSchema._address


class WorkAddressSchema(FromCatalogue, WorkAddressData, Stamped):
    """A work address as the API shows it: the snapshot its events carry."""

    address = Computed("_address", AddressSchema)
    landlord = fields.Dict(allow_none=True, metadata=PERSON_DOC)
    occupier = fields.Dict(allow_none=True, metadata=PERSON_DOC)
    communication_preferences = fields.Dict(metadata=PREFERENCES_DOC)

    _address = CustomerSchema._address


class CustomFieldDefinitionSchema(StrictSchema):
    id = fields.String(dump_only=True)
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,63}$"))
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))
    field_type = fields.String(required=True, validate=validate.OneOf(rules.CUSTOM_FIELD_TYPES))
    choices = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)), validate=validate.Length(max=100)
    )
    required = fields.Boolean(load_default=False)
    created_at = fields.DateTime(dump_only=True)


class CustomerTypeSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,49}$"))
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))
    required_fields = fields.List(
        fields.String(validate=validate.OneOf(rules.REQUIRABLE_FIELDS)), load_default=list
    )
    builtin = fields.Boolean(dump_only=True)

    @validates_schema
    def _no_duplicates(self, data, **kwargs):
        fields_ = data.get("required_fields") or []
        if len(set(fields_)) != len(fields_):
            raise ValidationError("Listed more than once.", "required_fields")


class CustomerTypeChangeSchema(CustomerInSchema):
    """The new type, with any fields that type requires."""

    class Meta:
        exclude = ("primary_contact", "status", "credit_limit", "custom_fields", "communication_preferences")

    address = fields.Nested(AddressSchema)


class MergeRequestSchema(StrictSchema):
    survivor_id = fields.UUID(required=True, metadata={"description": "The customer that stays."})


class MergeConflictSchema(Schema):
    kind = fields.String()
    detail = fields.String()


class MergePlanSchema(Schema):
    merged_id = fields.String()
    survivor_id = fields.String()
    moves = fields.Dict()
    conflicts = fields.List(fields.Nested(MergeConflictSchema))
    merged_by = fields.String()
    merged_at = fields.String()
    already_merged = fields.Boolean()


class MergeAuditSchema(Schema):
    id = fields.String(metadata={"description": "The merge audit's id."})
    kind = fields.String(
        validate=validate.OneOf(("merged_into_this", "merged_away")),
        metadata={
            "description": "merged_into_this: another customer was merged into this one; "
            "merged_away: this customer was merged into `survivor_id`."
        },
    )
    merged_id = fields.String(metadata={"description": "The customer merged away (now a tombstone)."})
    survivor_id = fields.String(metadata={"description": "The customer that stayed."})
    merged_by = fields.String(metadata={"description": "Who merged them (the actor)."})
    merged_at = fields.DateTime()
    moves = fields.Dict(metadata={"description": "What moved: counts per kind of record, as the merge said."})
    conflicts = fields.List(fields.Nested(MergeConflictSchema))


class ErasureReportSchema(Schema):
    customer_id = fields.String()
    erased_at = fields.DateTime()
    already_erased = fields.Boolean()
    services = fields.Dict()


class ErasureServiceSchema(Schema):
    status = fields.String(metadata={"description": "reported | pending"})
    reported_at = fields.DateTime(allow_none=True)
    actions = fields.Dict(allow_none=True, metadata={"description": "what the service did (counts)"})


class ErasureServicesReportSchema(Schema):
    customer_id = fields.String()
    erased_at = fields.DateTime()
    complete = fields.Boolean()
    pending = fields.List(fields.String())
    services = fields.Dict(keys=fields.String(), values=fields.Nested(ErasureServiceSchema))


class BranchMergeSchema(StrictSchema):
    survivor_branch_id = fields.UUID(required=True)
