"""The customer record's rules in plain Python: no Flask, no session.

Names come from the users' words: a customer has a type (private, company, landlord or one the
tenant defined), a status (active / dormant), may be blocked with a reason, and has custom fields
validated against the tenant's definitions.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

BUILTIN_TYPES: dict[str, dict] = {
    "private": {"label": "Private customer", "required_fields": ["surname"]},
    "company": {"label": "Company", "required_fields": ["company_name"]},
    "landlord": {"label": "Landlord", "required_fields": ["surname"]},
}
# every customer needs these, whatever its type: the scheduling engines depend on them
ALWAYS_REQUIRED = ("address.line_1", "address.postcode")
# who the customer is and how to reach it: the fields every form of a customer shares
NAME_FIELDS = ("title", "first_name", "surname", "company_name", "business_type")
REACH_FIELDS = ("email", "phone")
# what a tenant-defined type may require
REQUIRABLE_FIELDS = (*NAME_FIELDS, *REACH_FIELDS, "address.town", "account_manager", "advertising_source")
STATUSES = ("active", "dormant")
COMMUNICATION_CHANNELS = ("email", "sms", "letter", "phone")
DEFAULT_COMMUNICATION_PREFERENCES = {channel: True for channel in COMMUNICATION_CHANNELS}
CUSTOM_FIELD_TYPES = ("text", "number", "date", "boolean", "choice")
PHONE_TYPES = ("mobile", "office", "home", "work", "fax", "other")  # seed 001: "Office" is the first type
DEFAULT_OCCUPIER_SURNAME = "Occupier"
# custom number fields stay below this: whole numbers remain exact in any JSON reader (JavaScript too)
MAX_CUSTOM_NUMBER = 10**15


def _value(values: dict, dotted: str):
    current: Any = values
    for part in dotted.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def missing_required(required: list[str] | tuple[str, ...], values: dict) -> dict[str, list[str]]:
    """{field: ["Required for this customer type."]} for each required field left blank."""
    errors: dict[str, list[str]] = {}
    for name in (*ALWAYS_REQUIRED, *required):
        value = _value(values, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[name] = ["Missing data for required field."]
    return errors


def display_name(values: dict) -> str:
    """How a person reads the customer's name in lists: the company, else 'First Surname'."""
    company = (values.get("company_name") or "").strip()
    person = " ".join(p.strip() for p in (values.get("first_name"), values.get("surname")) if p and p.strip())
    if values.get("type") == "company" and company:
        return company
    return person or company or "(no name)"


def fit(text: str, length: int) -> str:
    """`text` cut to a column's `length`, ending in "…" when something was cut."""
    return text if len(text) <= length else text[: length - 1] + "…"


def normalise_postcode(postcode: str | None) -> str | None:
    """'ls14ab' → 'LS1 4AB' for UK-shaped postcodes; anything else is kept, trimmed and upper-cased."""
    if postcode is None:
        return None
    compact = re.sub(r"\s+", "", postcode).upper()
    if re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", compact):
        return f"{compact[:-3]} {compact[-3:]}"
    return " ".join(postcode.split()).upper()


def compact_postcode(postcode: str | None) -> str | None:
    return re.sub(r"\s+", "", postcode).upper() if postcode else None


def digits(text: str | None) -> str | None:
    """'+44 (0)113 496-0000' → '4401134960000': phones are searched by their digits."""
    if not text:
        return None
    found = re.sub(r"\D", "", text)
    return found or None


def search_digits(text: str | None) -> str | None:
    """A phone's digits as search stores and compares them: a UK number in its national form, so
    '+44 7700 900123', '0044 7700 900123' and '07700 900123' are all '07700900123' (and
    '+44 (0)113 496-0000' is '01134960000'). Other numbers keep all their digits."""
    found = digits(text)
    if found is None or text is None:
        return None
    if text.lstrip().startswith("+44") or found.startswith("0044"):
        national = found.removeprefix("00").removeprefix("44").removeprefix("0")
        return "0" + national if national else found
    return found


def phones_digits(phones: list[dict]) -> str | None:
    found = [d for d in (search_digits(p.get("number")) for p in phones or []) if d]
    return " ".join(found) or None


def custom_field_errors(
    definitions: list, values: dict | None, *, new_customer: bool
) -> dict[str, list[str]]:
    """Check the custom fields a request sets against the tenant's definitions.

    Only the keys in `values` are checked (unknown key, type, choice; a required field may not be
    blanked), so values already stored never block an unrelated edit: not after their definition
    was removed, nor after a field became required. A new customer must also fill every required
    field. Setting a key to null removes it, which is always allowed for a key whose definition
    was removed (its value is kept, unchecked, until someone clears it).
    """
    values = values or {}
    by_key = {d.key: d for d in definitions}
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        field = f"custom_fields.{key}"
        definition = by_key.get(key)
        if definition is None:
            if value is not None or new_customer:
                errors[field] = ["Unknown custom field."]
            continue
        if value is None or value == "":
            if definition.required:
                errors[field] = ["Missing data for required field."]
            continue
        problem = _custom_value_problem(definition, value)
        if problem:
            errors[field] = [problem]
    if new_customer:
        for key, definition in by_key.items():
            if definition.required and key not in values:
                errors[f"custom_fields.{key}"] = ["Missing data for required field."]
    return errors


def _custom_value_problem(definition, value) -> str | None:
    kind = definition.field_type
    if kind == "text":
        return (
            None
            if isinstance(value, str) and len(value) <= 1000
            else "Must be text of at most 1000 characters."
        )
    if kind == "number":
        # a JSON number, not text that looks like one ("12", "NaN", "Infinity"): it is stored and
        # published as the number it is, and every reader can take it as a Decimal
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "Must be a number (not text)."
        if isinstance(value, float) and not math.isfinite(value):
            return "Must be a finite number."
        if abs(value) >= MAX_CUSTOM_NUMBER:
            return "Must be between -1e15 and 1e15."
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else "Must be true or false."
    if kind == "date":
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return "Must be a date (YYYY-MM-DD)."
        return None
    if kind == "choice":
        return (
            None
            if value in (definition.choices or [])
            else f"Must be one of: {', '.join(definition.choices)}."
        )
    return "Unsupported field type."


def merged_preferences(current: dict | None, changes: dict | None) -> dict:
    prefs = dict(DEFAULT_COMMUNICATION_PREFERENCES)
    prefs.update(current or {})
    prefs.update(changes or {})
    return prefs
