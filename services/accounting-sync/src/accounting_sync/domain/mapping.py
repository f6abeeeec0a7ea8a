"""The field mapping between a Fieldbook customer and a Sage contact — the one place it is written.

Fieldbook (customer.created / customer.updated snapshot) → Sage v3.1 `contact`:

| Fieldbook | Sage contact |
|---|---|
| company_name (company) / first_name + surname (others) | `name` |
| — | `contact_type_ids` = ["CUSTOMER"] on create (a PUT leaves the types alone) |
| accounts_ref (ours, Sage 50 style) | `reference` |
| address.line_1 | `main_address.address_line_1` |
| address.line_2, address.line_3 (joined ", ") | `main_address.address_line_2` |
| address.town | `main_address.city` |
| address.county | `main_address.region` |
| address.postcode | `main_address.postal_code` |
| — | `main_address.country_id` = "GB" |
| first_name + surname (or company name) | `main_contact_person.name` |
| email | `main_contact_person.email` and `email` |
| phone | `main_contact_person.telephone` |
| credit_limit (Decimal, 2 places) | `credit_limit` (decimal string, "1500.00") |
| payment_terms_days | `credit_days` (null → the business's default; a PUT sends the null) |
| id | `source_guid` (hyphenless) |
"""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
CUSTOMER_TYPE_ID = "CUSTOMER"
COUNTRY_ID = "GB"


def _clean(value) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def person_name(customer: dict) -> str | None:
    return _clean(" ".join(p for p in (customer.get("first_name"), customer.get("surname")) if p))


def contact_name(customer: dict) -> str:
    """The name Sage shows: the company's for a company, the person's otherwise."""
    company = _clean(customer.get("company_name"))
    if customer.get("type") == "company" and company:
        return company
    return (
        person_name(customer)
        or _clean(customer.get("company_name"))
        or _clean(customer.get("display_name"))
        or "Unnamed customer"
    )


def money(value) -> str | None:
    """An amount for Sage's JSON: rounded to pennies with ROUND_HALF_UP and sent as a decimal string
    ("1500.00"), never through float. Sage reads decimal attributes from strings too."""
    if value is None or value == "":
        return None
    return str(Decimal(str(value)).quantize(CENT, ROUND_HALF_UP))


def to_sage_contact(customer: dict, accounts_ref: str | None) -> dict:
    """A Fieldbook customer snapshot → the body of Sage's `{"contact": …}` for POST / PUT."""
    address = customer.get("address") or {}
    line_2 = ", ".join(p for p in (_clean(address.get("line_2")), _clean(address.get("line_3"))) if p)
    email = _clean(customer.get("email"))
    body = {
        "name": contact_name(customer),
        "contact_type_ids": [CUSTOMER_TYPE_ID],
        "reference": accounts_ref,
        "main_address": {
            "address_line_1": _clean(address.get("line_1")),
            "address_line_2": line_2 or None,
            "city": _clean(address.get("town")),
            "region": _clean(address.get("county")),
            "postal_code": _clean(address.get("postcode")),
            "country_id": COUNTRY_ID,
        },
        "main_contact_person": {
            "name": person_name(customer) or contact_name(customer),
            "email": email,
            "telephone": _clean(customer.get("phone")),
        },
        "email": email,
        "credit_limit": money(customer.get("credit_limit")),
        "credit_days": customer.get("payment_terms_days"),
        "source_guid": uuid.UUID(customer["id"]).hex if customer.get("id") else None,
    }
    return {k: v for k, v in body.items() if v is not None}


def contact_type_ids(contact: dict) -> list[str] | None:
    """The types a Sage contact has (`contact_types: [{"id": …}]`), None when the contact read does
    not say."""
    types = contact.get("contact_types")
    if isinstance(types, list):
        return [t["id"] for t in types if isinstance(t, dict) and t.get("id")]
    ids = contact.get("contact_type_ids")
    return list(ids) if isinstance(ids, list) else None


def contact_update(customer: dict, accounts_ref: str | None, existing: dict | None = None) -> dict:
    """The body of a PUT: our fields, without `contact_type_ids` — a PUT leaves out what it does not
    send, and sending ["CUSTOMER"] would take VENDOR off a contact that is a supplier too. When
    linking (`existing`: the contact as read), CUSTOMER is added to the types it has."""
    body = to_sage_contact(customer, accounts_ref)
    del body["contact_type_ids"]
    # a PUT keeps what it leaves out, so a cleared field must be sent as null to clear it in Sage.
    # Only where Sage's reference says what null means: credit_days null → the business's default.
    # (email, telephone, credit_limit: what a null does there is unconfirmed, so they are left out)
    body.setdefault("credit_days", None)
    types = contact_type_ids(existing) if existing is not None else None
    if types is not None and CUSTOMER_TYPE_ID not in types:
        body["contact_type_ids"] = [*types, CUSTOMER_TYPE_ID]
    return body


def inactive_note(survivor_ref: str | None, reason: str) -> str:
    """The line that says a contact is inactive in Fieldbook (and which ref to use instead)."""
    note = f"Inactive in Fieldbook: {reason}"
    if survivor_ref:
        note += f" (use {survivor_ref})"
    return note


def inactive_contact(current_notes: str | None, survivor_ref: str | None, reason: str) -> dict | None:
    """What marks a contact inactive. v3.1 contacts have no active flag and we never delete
    accounts history, so the contact keeps everything and says so in its `notes`. A PUT replaces
    the notes, so our line is added under the accountant's (read first with a GET), never instead
    of them; None when the line is there already (a repeat: nothing to write)."""
    note = inactive_note(survivor_ref, reason)
    existing = (current_notes or "").rstrip()
    if note in (line.strip() for line in existing.splitlines()):
        return None
    return {"notes": f"{existing}\n{note}" if existing else note}


def contact_email(contact: dict) -> str | None:
    person = contact.get("main_contact_person") or {}
    return _clean(contact.get("email") or person.get("email"))


def contact_postcode(contact: dict) -> str | None:
    return _clean((contact.get("main_address") or {}).get("postal_code"))


def balance_of(contact: dict) -> Decimal | None:
    raw = contact.get("balance")
    if raw is None:
        return None
    return Decimal(str(raw)).quantize(CENT, ROUND_HALF_UP)


def idempotency_id(
    business_id: str, tenant_id: str, customer_id: str, deleted_contact_id: str | None = None
) -> str:
    """A deterministic 32-character hyphenless GUID per (business, tenant, customer): a repeated
    create — after a lost response or a crash — is the same create to Sage. After the customer's
    contact was deleted in Sage, the create that replaces it names the deleted contact: another
    create to Sage, not a replay of the first one (whose contact is gone)."""
    name = f"fieldbook:sage:{business_id}:{tenant_id}:{customer_id}"
    if deleted_contact_id:
        name += f":after:{deleted_contact_id}"
    return uuid.uuid5(uuid.NAMESPACE_URL, name).hex
