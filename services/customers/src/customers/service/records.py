"""The record rules every use case shares: addresses, the customer's derived columns, its type's
required fields and custom fields, and "did this edit change anything".

Used by the API's use cases (customers, contacts, sites, lifecycle) and the CSV import alike, so a
row and a request are held to the same rules. They need the unit of work (the tenant's types and
custom fields, the session), so they live here rather than in `domain/`.
"""

from __future__ import annotations

from fieldbook_shared.problems import ValidationFailed

from ..domain import rules
from ..store.models import Customer
from ..uow import CustomersUnitOfWork

SIMPLE_CUSTOMER_FIELDS = (
    *rules.NAME_FIELDS,
    *rules.REACH_FIELDS,
    "payment_terms_days",
    "account_manager",
    "advertising_source",
    "price_book",
    "invoice_address_format",
)
ADDRESS_FIELDS = ("line_1", "line_2", "line_3", "town", "county", "postcode")


def set_address(row, address: dict | None) -> None:
    """The address keys given (`line_1` … `postcode`) onto `row`'s columns, postcode normalised."""
    if address is None:
        return
    for key in ADDRESS_FIELDS:
        if key in address:
            value = address[key]
            setattr(row, "address_line_" + key[-1] if key.startswith("line_") else key, value)
    row.postcode = rules.normalise_postcode(row.postcode)
    row.postcode_compact = rules.compact_postcode(row.postcode)


def customer_values(c: Customer) -> dict:
    """What the type rules read: the simple fields, the type and the address."""
    values = {name: getattr(c, name) for name in SIMPLE_CUSTOMER_FIELDS}
    values["type"] = c.type
    values["address"] = c.address
    return values


def required_fields_for(uow: CustomersUnitOfWork, type_name: str) -> list[str]:
    """The built-in or tenant-defined type's required fields; 422 on `type` for an unknown one."""
    if type_name in rules.BUILTIN_TYPES:
        return rules.BUILTIN_TYPES[type_name]["required_fields"]
    tenant_type = uow.settings.customer_type(type_name)
    if tenant_type is None:
        known = sorted(rules.BUILTIN_TYPES) + [t.name for t in uow.settings.customer_types()]
        raise ValidationFailed({"type": [f"Unknown customer type. Known types: {', '.join(known)}."]})
    return list(tenant_type.required_fields)


def validate_customer(
    uow: CustomersUnitOfWork, customer: Customer, custom_fields: dict | None = None, new: bool = False
) -> None:
    """The type's required fields, and the custom fields this request sets (`custom_fields`).

    Stored custom fields the request does not touch are not checked again (see
    `rules.custom_field_errors`)."""
    values = customer_values(customer)
    # the lookups below must not flush the half-edited customer (one UPDATE, one version bump)
    with uow.session.no_autoflush:
        required = required_fields_for(uow, customer.type)
        definitions = uow.settings.custom_fields() if (custom_fields or new) else []
    errors = rules.missing_required(required, values)
    errors.update(rules.custom_field_errors(definitions, custom_fields, new_customer=new))
    if errors:
        raise ValidationFailed(errors)


def derive(customer: Customer) -> None:
    """The columns kept from others: display and sort name, the phone's search digits."""
    name = rules.display_name(customer_values(customer))
    customer.display_name = name
    customer.sort_name = name.lower()
    customer.phone_digits = rules.search_digits(customer.phone)


def unchanged(uow: CustomersUnitOfWork, row) -> bool:
    """True when the edits applied to `row` leave every column as stored. A PATCH that changes
    nothing answers 200 with the same version (and ETag) and publishes no event. Ask before any
    query could autoflush the edits (after a flush they no longer count as edits)."""
    return not uow.session.is_modified(row, include_collections=False)


def require_address(row) -> None:
    """Every address kept needs its first line (422 on `address.line_1`)."""
    errors = {}
    if not (row.address_line_1 or "").strip():
        errors["address.line_1"] = ["Missing data for required field."]
    if errors:
        raise ValidationFailed(errors)


def person(data: dict | None, default_surname: str | None = None) -> dict | None:
    """A landlord or occupier as stored: blanks dropped, the default surname when nameless."""
    if data is None and default_surname is None:
        return None
    kept = {k: v for k, v in (data or {}).items() if v not in (None, "")}
    if default_surname and not kept.get("surname") and not kept.get("company_name"):
        kept["surname"] = default_surname
    return kept
