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
happens to contain "[last_name]" or "Last Name" goes out as written. A placeholder with no value
leaves no gap: `Dear [title] [first_name] [surname]` with no title is `Dear Sam Ellis`, and no
space is left before punctuation nor at either end of a line (`tidy_blanks`).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

PLACEHOLDERS: dict[str, str] = {
    "title": "The recipient's title (Mr, Mrs, Dr…).",
    "first_name": "The recipient's first name (the primary contact's, else the customer's).",
    "last_name": "The recipient's last name (the primary contact's surname, else the customer's).",
    "surname": "The same as [last_name] (the word the customer record uses).",
    "full_name": "First and last name together.",
    "email": "The address the email goes to.",
    "customer_name": "The customer's name as on the record (company name or person).",
    "customer_address_line_1": "The customer's address, line 1.",
    "customer_address_line_2": "The customer's address, line 2.",
    "customer_town": "The customer's town.",
    "customer_postcode": "The customer's postcode.",
    "accounts_ref": "The customer's accounts reference.",
    "balance": "The customer's account balance, two decimals (0.00 when none is known).",
    # a service reminder's (servicing): empty in any other email
    "service_due_date": "A service reminder's service date (e.g. 30 March 2027).",
    "asset": "The appliance a service reminder is about (brand, model, serial number).",
    "work_address": "The work address a service reminder is about.",
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
    empty, and the gap it leaves is closed (`tidy_blanks`); an unknown bracketed name is left as
    written (saving refuses it beforehand)."""
    out: list[str] = []
    length = 0
    blanks: list[int] = []  # where in the output an empty value went
    last = 0
    for match in PLACEHOLDER_OR_ALIAS.finditer(text or ""):
        bracketed, quoted = match.group(1), match.group(2)
        if bracketed is not None:
            key = placeholder_key(bracketed)
            value = (values.get(key) or "") if key in PLACEHOLDERS else match.group(0)
        else:
            value = values.get(QUOTED_ALIASES[" ".join(quoted.lower().split())]) or ""
        literal = text[last : match.start()]
        out.append(literal)
        length += len(literal)
        if value.strip():
            out.append(value)
            length += len(value)
        else:
            blanks.append(length)
        last = match.end()
    out.append((text or "")[last:])
    return tidy_blanks("".join(out), blanks)


SPACE = " \t"
LINE_END = "\r\n"
CLOSING = ",.;:!?)]}"
OPENING = "([{"


def tidy_blanks(text: str, blanks: list[int]) -> str:
    """Close the gap each empty placeholder left (`Dear [title] [first_name]` with no title is
    `Dear Sam`, not `Dear  Sam`): the spaces around a run of blanks become one space between
    words, none before punctuation or after an opening bracket, none at the end of a line, and a
    line keeps only its own indent. Spacing the author wrote elsewhere is left as written."""
    runs: list[list[int]] = []  # [left, right, first blank] of the spaces around blanks next to each other
    for at in blanks:
        left, right = at, at
        while left > 0 and text[left - 1] in SPACE:
            left -= 1
        while right < len(text) and text[right] in SPACE:
            right += 1
        if runs and left <= runs[-1][1]:
            runs[-1][1] = max(runs[-1][1], right)
        else:
            runs.append([left, right, at])
    for left, right, first in reversed(runs):
        before = text[left - 1] if left else "\n"
        after = text[right] if right < len(text) else "\n"
        if after in LINE_END:
            gap = ""
        elif before in LINE_END:
            gap = text[left:first]  # the line's own indent
        elif after in CLOSING or before in OPENING:
            gap = ""
        else:
            gap = " " if right > left else ""
        text = text[:left] + gap + text[right:]
    return text
