"""The CSV import's rules in plain Python: the fields a column may feed, the suggested mapping,
the mapping's checks, and the keys that find duplicates and matches.

No Flask, no session: the use cases in `customers.imports` apply these to rows read from the
database, and the customer rules in `rules.py` decide whether a row makes a valid customer.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from typing import Any

from . import rules

KINDS = ("customers", "work_addresses")
MATCH_KEYS = ("accounts_ref", "email", "name_postcode")
ADDRESS_FIELDS = ("address_line_1", "address_line_2", "address_line_3", "town", "county", "postcode")
CONTACT_FIELDS = (
    "contact_title",
    "contact_first_name",
    "contact_surname",
    "contact_email",
    "contact_phone",
    "contact_position",
)
CUSTOMER_FIELDS = (
    "type",
    *rules.NAME_FIELDS,
    *ADDRESS_FIELDS,
    *rules.REACH_FIELDS,
    "account_manager",
    "advertising_source",
    "payment_terms_days",
    "accounts_ref",
    *CONTACT_FIELDS,
)
PERSON_PARTS = ("title", "first_name", "surname", "company_name", "email", "phone")
WORK_ADDRESS_OWNER_FIELDS = ("customer_accounts_ref", "customer_email", "customer_id")
WORK_ADDRESS_FIELDS = (
    *WORK_ADDRESS_OWNER_FIELDS,
    "name",
    *ADDRESS_FIELDS,
    *(f"occupier_{p}" for p in PERSON_PARTS),
    *(f"landlord_{p}" for p in PERSON_PARTS),
)
FIELDS = {"customers": CUSTOMER_FIELDS, "work_addresses": WORK_ADDRESS_FIELDS}
# what every row needs, as groups of fields (a value in any one field of a group will do): a
# customer's address (rules.ALWAYS_REQUIRED; its type adds its own, see /v1/customer-types), a work
# address's customer and first line (records.require_address)
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "customers": (("address_line_1",), ("postcode",)),
    "work_addresses": (WORK_ADDRESS_OWNER_FIELDS, ("address_line_1",)),
}

# other names people give these columns (compared after normalising: lower case, letters and digits)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "type": ("customer type", "category"),
    "title": ("salutation",),
    "first_name": ("first name", "forename", "given name", "firstname"),
    "surname": ("last name", "lastname", "family name", "second name"),
    "company_name": ("company", "business name", "organisation", "organization", "company name"),
    "business_type": ("business type", "trade", "sector"),
    "address_line_1": ("address 1", "address line 1", "address", "street", "addr1", "line 1"),
    "address_line_2": ("address 2", "address line 2", "addr2", "line 2"),
    "address_line_3": ("address 3", "address line 3", "addr3", "line 3", "locality"),
    "town": ("city", "town city", "post town"),
    "county": ("region", "state", "province"),
    "postcode": ("post code", "postal code", "zip", "zip code", "postcode zip"),
    "email": ("e mail", "email address", "mail"),
    "phone": ("telephone", "tel", "phone number", "telephone number", "landline"),
    "account_manager": ("account manager", "manager", "assigned to", "owner"),
    "advertising_source": ("advertising source", "source", "lead source", "how did you hear"),
    "payment_terms_days": ("payment terms", "terms", "terms days", "credit terms"),
    "accounts_ref": (
        "account ref",
        "accounts ref",
        "sage ref",
        "account code",
        "ac ref",
        "account reference",
    ),
    "contact_title": ("contact title",),
    "contact_first_name": ("contact first name", "contact forename"),
    "contact_surname": ("contact surname", "contact last name", "contact name"),
    "contact_email": ("contact email", "contact e mail"),
    "contact_phone": ("contact phone", "contact telephone", "contact mobile", "mobile"),
    "contact_position": ("contact position", "position", "job title", "role"),
    "customer_accounts_ref": ("customer account ref", "customer accounts ref", "customer sage ref"),
    "customer_email": ("customer email", "owner email"),
    "customer_id": ("customer id", "owner id"),
    "name": ("property name", "site name", "work address name"),
    "occupier_surname": ("occupier", "tenant surname", "occupier name", "occupier last name"),
    "landlord_surname": ("landlord", "landlord name", "landlord last name"),
}
SIMILARITY_THRESHOLD = 0.82


def normalise_header(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", (text or "").lower()))


def _candidates(field: str) -> list[str]:
    return [
        normalise_header(field.replace("_", " ")),
        *(normalise_header(s) for s in SYNONYMS.get(field, ())),
    ]


def suggest_mapping(kind: str, columns: list[str]) -> dict[str, str | None]:
    """{column: field or None}: each field suggested for the column whose header resembles it most."""
    scored: list[tuple[float, int, str]] = []
    for index, column in enumerate(columns):
        header = normalise_header(column)
        if not header:
            continue
        for field in FIELDS[kind]:
            best = max(
                1.0 if header == c else difflib.SequenceMatcher(None, header, c).ratio()
                for c in _candidates(field)
            )
            if best >= SIMILARITY_THRESHOLD:
                scored.append((best, index, field))
    suggestion: dict[str, str | None] = {column: None for column in columns}
    taken: set[str] = set()
    # the strongest resemblance wins; ties go to the column further left
    for _score, index, field in sorted(scored, key=lambda s: (-s[0], s[1])):
        column = columns[index]
        if field in taken or suggestion[column] is not None:
            continue
        suggestion[column] = field
        taken.add(field)
    return suggestion


def mapping_errors(
    kind: str, columns: list[str], mapping: dict[str, str | None], match_key: str | None
) -> dict[str, list[str]]:
    """What is wrong with a column → field mapping (empty when it can be used)."""
    errors: dict[str, list[str]] = {}
    known = FIELDS[kind]
    used: dict[str, str] = {}
    for column, field in mapping.items():
        name = f"mapping.{column}"
        if column not in columns:
            errors[name] = ["No such column in the file."]
            continue
        if field in (None, ""):
            continue
        if field not in known:
            errors[name] = [f"Unknown field {field!r}. Fields: {', '.join(known)}."]
        elif field in used:
            errors[name] = [f"{field!r} is already mapped from column {used[field]!r}."]
        else:
            used[field] = column
    if not used and not errors:
        errors["mapping"] = ["Map at least one column to a field."]
    mapped = set(used)
    if kind == "customers":
        needs: dict[str, list[tuple[str, ...]]] = {
            "accounts_ref": [("accounts_ref",)],
            "email": [("email",)],
            "name_postcode": [("postcode",), ("surname", "company_name")],
        }
        if match_key is not None:
            for alternatives in needs[match_key]:
                if not mapped & set(alternatives):
                    errors.setdefault("match_key", []).append(
                        f"Matching on {match_key} needs a column mapped to {' or '.join(alternatives)}."
                    )
    else:
        if match_key is not None:
            errors["match_key"] = [
                "Work addresses always match on customer + address line 1 + postcode; send no match_key."
            ]
        if not mapped & set(WORK_ADDRESS_OWNER_FIELDS):
            errors.setdefault("mapping", []).append(
                f"Map a column to one of {', '.join(WORK_ADDRESS_OWNER_FIELDS)} to find each row's customer."
            )
        if "address_line_1" not in mapped:
            errors.setdefault("mapping", []).append("Map a column to address_line_1.")
    return errors


def default_type(mapping: dict[str, str | None]) -> str:
    """Rows without a type are private, or companies when only a company name is mapped."""
    mapped = {f for f in mapping.values() if f}
    if "company_name" in mapped and not mapped & {"surname", "first_name"}:
        return "company"
    return "private"


def row_values(columns: list[str], mapping: dict[str, str | None], row: list[str]) -> dict[str, str]:
    """{field: text} of one CSV row; blank cells are left out (an import never blanks a field)."""
    values: dict[str, str] = {}
    for index, column in enumerate(columns):
        field = mapping.get(column)
        if not field or index >= len(row):
            continue
        text = row[index].strip()
        if text:
            values[field] = text
    return values


def phone_type(number: str) -> str:
    found = rules.digits(number) or ""
    return "mobile" if found.startswith(("07", "447", "4407")) else "other"


def customer_body(values: dict[str, str], default: str) -> dict:
    """A row's values in the shape of the API's CustomerIn schema (without accounts_ref)."""
    body: dict = {"type": values.get("type", default).strip().lower()}
    for name in (
        *rules.NAME_FIELDS,
        *rules.REACH_FIELDS,
        "account_manager",
        "advertising_source",
        "payment_terms_days",
    ):
        if name in values:
            body[name] = values[name]
    body["address"] = {f.removeprefix("address_"): values[f] for f in ADDRESS_FIELDS if f in values}
    contact: dict[str, Any] = {f.removeprefix("contact_"): values[f] for f in CONTACT_FIELDS if f in values}
    if contact:
        phone = contact.pop("phone", None)
        if phone:
            contact["phones"] = [{"type": phone_type(phone), "number": phone}]
        body["primary_contact"] = contact
    return body


def work_address_body(values: dict[str, str]) -> dict:
    """A row's values in the shape of the API's WorkAddressIn schema."""
    body: dict = {"address": {f.removeprefix("address_"): values[f] for f in ADDRESS_FIELDS if f in values}}
    if "name" in values:
        body["name"] = values["name"]
    for role in ("occupier", "landlord"):
        person = {p: values[f"{role}_{p}"] for p in PERSON_PARTS if f"{role}_{p}" in values}
        if person:
            body[role] = person
    return body


# what the API's schema calls a field → the import's field name, for the error report
_SCHEMA_TO_FIELD = {
    **{f"address.{f.removeprefix('address_')}": f for f in ADDRESS_FIELDS},
    **{f"primary_contact.{f.removeprefix('contact_')}": f for f in CONTACT_FIELDS},
    **{f"{role}.{p}": f"{role}_{p}" for role in ("occupier", "landlord") for p in PERSON_PARTS},
}


def import_field(schema_field: str) -> str:
    """'address.postcode' → 'postcode'; 'primary_contact.phones.0.number' → 'contact_phone'."""
    if schema_field.startswith("primary_contact.phones"):
        return "contact_phone"
    return _SCHEMA_TO_FIELD.get(schema_field, schema_field)


# --- keys ------------------------------------------------------------------------------------


def _digest(text: str) -> bytes:
    """8 bytes stand for a key in memory: 100,000 rows' keys stay a few megabytes."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()


def normalise_name(text: str | None) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", (text or "").lower()))


def name_of(values: dict) -> str:
    """The customer's normalised name as duplicate checks compare it ('' when it has none)."""
    if not any(values.get(k) for k in ("first_name", "surname", "company_name")):
        return ""
    return normalise_name(rules.display_name(values))


def name_postcode_key(values: dict, postcode: str | None) -> bytes | None:
    name, compact = name_of(values), rules.compact_postcode(postcode)
    if not name or not compact:
        return None
    return _digest(f"np|{name}|{compact}")


def email_key(email: str | None) -> bytes | None:
    email = (email or "").strip().lower()
    return _digest(f"em|{email}") if email else None


def accounts_ref_key(ref: str | None) -> bytes | None:
    ref = (ref or "").strip().upper()
    return _digest(f"ar|{ref}") if ref else None


def work_address_key(customer_id: str, line_1: str | None, postcode: str | None) -> bytes:
    return _digest(f"wa|{customer_id}|{normalise_name(line_1)}|{rules.compact_postcode(postcode) or ''}")


ACCOUNTS_REF_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9\-_./&]{0,7}$")


def accounts_ref_problem(ref: str) -> str | None:
    """Sage 50 style: at most 8 characters, upper case letters and digits (and - _ . / &)."""
    if not ACCOUNTS_REF_PATTERN.match(ref.upper()):
        return "Must be at most 8 letters or digits (Sage style account reference)."
    return None
