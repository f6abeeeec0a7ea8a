"""Placeholders in email subjects and bodies.

The bracketed form is the placeholder form: up to 40 characters between square brackets, the first
that is not a space or tab a letter, then letters, digits, spaces, tabs, underscores, hyphens or
dots. Case and separators do not matter: `[first_name]`, `[First_Name]`, `[FIRST_NAME]`,
`[First Name]`, `[ first_name]`, `[first-name]`, `[First.Name]` all mean `first_name`. Every such
bracketed name must be known, or the text is refused naming it (so `[see attached]` is refused too:
write it another way). Brackets around anything else (`[1]`, `[#42]`, `[-]`, longer text) are plain
text.

SAM's quoted form is an alias of two placeholders only: "First Name" and "Last Name" (straight or
curly double quotes, any case). Other quoted words are prose and stay as written.

Rendering is one pass over the text: a substituted value is never scanned again, so a name that
happens to contain "[last_name]" or "Last Name" goes out as written.
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

# up to 40 characters in square brackets, the first one not a space a letter, then letters, digits,
# spaces, tabs, _, - or . : whatever looks like a placeholder is read as one
BRACKETED = re.compile(r"\[(?=[^\[\]]{1,40}\])([ \t]*[A-Za-z][A-Za-z0-9_ \t.\-]*)\]")
QUOTED_ALIASES = {"first name": "first_name", "last name": "last_name"}
# one pattern for both forms, so one pass replaces every placeholder and never re-reads a value
PLACEHOLDER_OR_ALIAS = re.compile(BRACKETED.pattern + r"|[\"“”]((?:first|last) +name)[\"“”]", re.IGNORECASE)
CENT = Decimal("0.01")


def placeholder_key(name: str) -> str:
    """`First Name`, `FIRST_NAME`, ` first  name `, `first-name`, `First.Name` → `first_name`."""
    return re.sub(r"[\s_.\-]+", "_", name.strip(" \t._-").lower())


def unknown_placeholders(text: str) -> list[str]:
    """The bracketed names in `text` that are not placeholders, as written, in order, once each."""
    seen: list[str] = []
    for name in BRACKETED.findall(text or ""):
        if placeholder_key(name) not in PLACEHOLDERS and name not in seen:
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
    """Replace every placeholder (both forms) with its value in one pass; a missing value renders
    empty; an unknown bracketed name is left as written (saving refuses it beforehand)."""

    def replace(match: re.Match) -> str:
        bracketed, quoted = match.group(1), match.group(2)
        if bracketed is not None:
            key = placeholder_key(bracketed)
            return (values.get(key) or "") if key in PLACEHOLDERS else match.group(0)
        return values.get(QUOTED_ALIASES[" ".join(quoted.lower().split())]) or ""

    return PLACEHOLDER_OR_ALIAS.sub(replace, text or "")
