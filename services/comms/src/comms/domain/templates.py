"""Placeholders in email subjects and bodies.

`[first_name]` style (lower case, digits, underscores between square brackets) is the placeholder
form; every such name must be known, or the template is refused naming it. SAM's quoted form
("First Name", “Last Name”, in straight or curly double quotes) is an alias of the same
placeholder; quoted text that is not a placeholder's name is left alone (it is prose).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

PLACEHOLDERS: dict[str, str] = {
    "title": "The recipient's title (Mr, Mrs, Dr…).",
    "first_name": "The recipient's first name (the primary contact's, else the customer's).",
    "last_name": "The recipient's last name (the primary contact's surname, else the customer's).",
    "full_name": "First and last name together.",
    "email": "The address the email goes to.",
    "customer_name": "The customer's name as on the record (company name or person).",
    "customer_address_line_1": "The customer's address, line 1.",
    "customer_address_line_2": "The customer's address, line 2.",
    "customer_town": "The customer's town.",
    "customer_postcode": "The customer's postcode.",
    "accounts_ref": "The customer's accounts reference.",
    "balance": "The customer's account balance, two decimals (0.00 when none is known).",
}

BRACKETED = re.compile(r"\[([a-z][a-z0-9_]*)\]")
# "First Name", “Last Name”: a quoted name of a known placeholder, words separated by spaces
QUOTED = re.compile(r"[\"“”]([A-Za-z][A-Za-z0-9 ]*?)[\"“”]")
CENT = Decimal("0.01")


def _alias_key(words: str) -> str:
    return "_".join(words.lower().split())


def unknown_placeholders(text: str) -> list[str]:
    """The bracketed names in `text` that are not placeholders, in order of appearance, once each."""
    seen: list[str] = []
    for name in BRACKETED.findall(text or ""):
        if name not in PLACEHOLDERS and name not in seen:
            seen.append(name)
    return seen


def placeholder_errors(**texts: str | None) -> dict[str, list[str]]:
    """{field: ["Unknown placeholder [x]. Known: …"]} for each field with unknown placeholders."""
    errors: dict[str, list[str]] = {}
    for field, text in texts.items():
        unknown = unknown_placeholders(text or "")
        if unknown:
            names = ", ".join(f"[{n}]" for n in unknown)
            known = ", ".join(f"[{n}]" for n in PLACEHOLDERS)
            word = "placeholder" if len(unknown) == 1 else "placeholders"
            errors[field] = [f"Unknown {word} {names}. Known placeholders: {known}."]
    return errors


def format_amount(value: Decimal | str | None) -> str:
    if value is None or value == "":
        return "0.00"
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def render(text: str, values: dict[str, str | None]) -> str:
    """Replace every placeholder (both forms) with its value; a missing value renders empty."""

    def bracketed(match: re.Match) -> str:
        name = match.group(1)
        return values.get(name) or "" if name in PLACEHOLDERS else match.group(0)

    def quoted(match: re.Match) -> str:
        name = _alias_key(match.group(1))
        return values.get(name) or "" if name in PLACEHOLDERS else match.group(0)

    return QUOTED.sub(quoted, BRACKETED.sub(bracketed, text or ""))
