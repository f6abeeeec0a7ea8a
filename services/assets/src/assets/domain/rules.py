"""The assets' rules in plain Python: no Flask, no session.

Users' words (Commusoft, BMS): an asset (appliance) sits on a customer, optionally at one of its
work addresses or branches (sites); it is identified by its serial number (unique per tenant) and
its technical reference (editable at any time); picking a catalogue model's product code fills its
brand, description and product class.
"""

from __future__ import annotations

import math
import re
from datetime import date

CUSTOM_FIELD_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
MAX_CUSTOM_FIELDS = 50
MAX_CUSTOM_TEXT = 1000
# the key columns: a key may be longer than what it is made from ("ß" → "SS", "İ" → "i̇", "ﬃ" → "FFI")
NAME_KEY_MAX, SERIAL_KEY_MAX, PRODUCT_CODE_KEY_MAX = 200, 100, 64


def name_key(name: str | None) -> str:
    """What "the same name" means in the catalogue: case and runs of spaces do not count."""
    return " ".join((name or "").split()).lower()


def clean_text(value: str | None) -> str | None:
    """Trim; an empty string is no value."""
    if value is None:
        return None
    return value.strip() or None


def serial_key(serial_number: str | None) -> str | None:
    """What "the same serial number" means: 'ab 12-3' and 'AB12-3' are one serial number."""
    if serial_number is None:
        return None
    key = re.sub(r"\s+", "", serial_number).upper()
    return key or None


def product_code_key(product_code: str | None) -> str | None:
    return serial_key(product_code)


def key_errors(field: str, key: str | None, limit: int) -> dict[str, list[str]]:
    """A key (what "the same" compares) must fit its column, as the value it is made from does:
    case folding can make it longer."""
    if key is not None and len(key) > limit:
        return {
            field: [f"Too long once case is folded for comparison: {len(key)} characters, at most {limit}."]
        }
    return {}


def custom_field_errors(custom_fields: dict | None) -> dict[str, list[str]]:
    """Custom fields are a flat dict of short keys to text, numbers, booleans or null."""
    errors: dict[str, list[str]] = {}
    if not custom_fields:
        return errors
    if len(custom_fields) > MAX_CUSTOM_FIELDS:
        errors["custom_fields"] = [f"At most {MAX_CUSTOM_FIELDS} custom fields."]
        return errors
    for key, value in custom_fields.items():
        name = f"custom_fields.{key}"
        if not CUSTOM_FIELD_KEY.match(str(key)):
            errors[name] = ["Keys start with a letter and hold letters, digits and _ (64 at most)."]
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            errors[name] = ["A custom field holds text, a number, true/false or null."]
        elif isinstance(value, float) and not math.isfinite(value):
            errors[name] = ["A number must be finite (not NaN or Infinity)."]
        elif isinstance(value, str) and len(value) > MAX_CUSTOM_TEXT:
            errors[name] = [f"At most {MAX_CUSTOM_TEXT} characters."]
    return errors


def date_errors(install_date: date | None, warranty_expiry: date | None) -> dict[str, list[str]]:
    if install_date and warranty_expiry and warranty_expiry < install_date:
        return {"warranty_expiry": ["The warranty cannot expire before the install date."]}
    return {}


def site_errors(work_address_id: str | None, branch_id: str | None) -> dict[str, list[str]]:
    """An asset is at the customer's own address, or at one work address, or at one branch."""
    if work_address_id and branch_id:
        message = ["An asset is at a work address or at a branch, not both."]
        return {"work_address_id": message, "branch_id": message}
    return {}


def identity_errors(serial_number: str | None, technical_reference: str | None) -> dict[str, list[str]]:
    """An asset needs something to be known by: its serial number or its technical reference."""
    if not serial_number and not technical_reference:
        message = ["Give the serial number or the technical reference (or both)."]
        return {"serial_number": message, "technical_reference": message}
    return {}


def model_fill(model_values: dict, given: dict) -> dict:
    """What a catalogue model fills on an asset: brand, description, product class, make.

    A value the request sets itself wins (the office may describe this one appliance better);
    whatever the request leaves out comes from the model.
    """
    filled = {}
    for name in ("brand", "description", "product_class", "make_id"):
        if given.get(name) is None:
            filled[name] = model_values.get(name)
    return filled
