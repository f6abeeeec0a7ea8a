"""Events published by the customers service."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import CustomerRecordData, EventData, VersionedRecordData


class AddressData(EventData):
    line_1 = fields.String(allow_none=True)
    line_2 = fields.String(allow_none=True)
    line_3 = fields.String(allow_none=True)
    town = fields.String(allow_none=True)
    county = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)


class CustomerData(EventData):
    """A snapshot of the customer; `version` lets read models ignore stale, out-of-order copies."""

    id = fields.String(required=True)
    version = fields.Integer(required=True)
    type = fields.String(required=True)
    title = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True)
    surname = fields.String(allow_none=True)
    company_name = fields.String(allow_none=True)
    display_name = fields.String(required=True)
    business_type = fields.String(allow_none=True)
    address = fields.Nested(AddressData, required=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["active", "dormant"]))
    blocked = fields.Boolean(required=True)
    block_reason = fields.String(allow_none=True)
    credit_limit = fields.Decimal(as_string=True, allow_none=True, places=2)
    payment_terms_days = fields.Integer(allow_none=True)
    account_manager = fields.String(allow_none=True)
    advertising_source = fields.String(allow_none=True)
    price_book = fields.String(allow_none=True)
    invoice_address_format = fields.String(allow_none=True)
    custom_fields = fields.Dict(load_default=dict)
    communication_preferences = fields.Dict(keys=fields.String(), values=fields.Boolean(), load_default=dict)
    accounts_ref = fields.String(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)


class CustomerStatusChangedData(CustomerData):
    previous_status = fields.String(required=True)


class CustomerTypeChangedData(CustomerData):
    previous_type = fields.String(required=True)


class CustomerUnblockedData(CustomerData):
    """The snapshot after an unblock, with why (optional) and who unblocked it."""

    reason = fields.String(allow_none=True)
    unblocked_by = fields.String(allow_none=True)


class CustomerMergedData(EventData):
    survivor_id = fields.String(required=True)
    merged_id = fields.String(required=True)


class CustomerRemovedData(EventData):
    customer_id = fields.String(required=True)


class PhoneData(EventData):
    type = fields.String(required=True)
    number = fields.String(required=True)


class ContactData(VersionedRecordData):
    title = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True)
    surname = fields.String(required=True)
    position = fields.String(allow_none=True)
    phones = fields.List(fields.Nested(PhoneData), load_default=list)
    email = fields.String(allow_none=True)
    urls = fields.List(fields.String(), load_default=list)
    primary = fields.Boolean(required=True)
    archived = fields.Boolean(required=True)
    communication_preferences = fields.Dict(keys=fields.String(), values=fields.Boolean(), load_default=dict)


class ContactDeletedData(CustomerRecordData):
    """A contact removed from its customer."""


class BranchData(VersionedRecordData):
    name = fields.String(required=True)
    code = fields.String(allow_none=True)
    address = fields.Nested(AddressData, required=True)
    phones = fields.List(fields.Nested(PhoneData), load_default=list)
    emails = fields.List(fields.String(), load_default=list)
    default_contact_id = fields.String(allow_none=True)


class BranchMergedData(EventData):
    customer_id = fields.String(required=True)
    survivor_id = fields.String(required=True)
    merged_id = fields.String(required=True)


class BranchDeletedData(CustomerRecordData):
    """A branch removed from its customer (seed 001: "To delete a Branch"). Records elsewhere that
    named it (assets) keep their history and stop naming it."""


class PersonData(EventData):
    title = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True)
    surname = fields.String(allow_none=True)
    company_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class WorkAddressData(VersionedRecordData):
    name = fields.String(allow_none=True)
    address = fields.Nested(AddressData, required=True)
    status = fields.String(required=True)
    landlord = fields.Nested(PersonData, allow_none=True)
    occupier = fields.Nested(PersonData, allow_none=True)
    communication_preferences = fields.Dict(keys=fields.String(), values=fields.Boolean(), load_default=dict)


SCHEMAS: dict[str, type[EventData]] = {
    "customer.created": CustomerData,
    "customer.updated": CustomerData,
    "customer.type_changed": CustomerTypeChangedData,
    "customer.status_changed": CustomerStatusChangedData,
    "customer.blocked": CustomerData,
    "customer.unblocked": CustomerUnblockedData,
    "customer.merged": CustomerMergedData,
    "customer.deleted": CustomerRemovedData,
    "customer.erased": CustomerRemovedData,
    "contact.created": ContactData,
    "contact.updated": ContactData,
    "contact.primary_changed": ContactData,
    "contact.deleted": ContactDeletedData,
    "branch.created": BranchData,
    "branch.updated": BranchData,
    "branch.merged": BranchMergedData,
    "branch.deleted": BranchDeletedData,
    "work_address.created": WorkAddressData,
    "work_address.updated": WorkAddressData,
    "work_address.status_changed": WorkAddressData,
}

# the events that carry the whole customer (CustomerData, or it with a field or two more): what a
# read model of customers takes in alike; read off SCHEMAS, so a new snapshot event is never missed
CUSTOMER_SNAPSHOTS = tuple(t for t, schema in SCHEMAS.items() if issubclass(schema, CustomerData))
