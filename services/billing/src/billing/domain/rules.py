"""Document rules in plain Python: statuses, the invoice address format, card data."""

from __future__ import annotations

import re

from fieldbook_shared.problems import Conflict, ValidationFailed

BLOCKED_MESSAGE = "Account blocked — please contact accounts"

QUOTE_STATUSES = ("draft", "sent", "accepted", "rejected", "converted")
QUOTE_TRANSITIONS = {
    "draft": {"sent", "accepted", "rejected"},
    "sent": {"accepted", "rejected"},
    "accepted": {"rejected"},
    "rejected": {"sent"},
    "converted": set(),
}
CONVERTIBLE = ("draft", "sent", "accepted")
# What the customer may still answer through an acceptance link: once answered, a second answer is 409.
LINK_DECIDABLE = ("draft", "sent")
LINK_DECISIONS = {"accept": "accepted", "reject": "rejected"}

JOB_STATUSES = ("open", "completed", "aborted", "free_of_charge")
JOB_TRANSITIONS = {
    "open": {"completed", "aborted", "free_of_charge"},
    "completed": {"open"},
    "aborted": {"open"},
    "free_of_charge": {"open"},
}

INVOICE_STATUSES = ("draft", "issued", "part_paid", "paid", "void")
PAYMENT_METHODS = ("cash", "cheque", "bank_transfer", "card", "direct_debit", "other")


def quote_transition(current: str, new: str) -> None:
    if new not in QUOTE_TRANSITIONS.get(current, set()):
        raise Conflict(f"A {current} quote cannot be marked {new}.", current_status=current)


def link_decision(current: str, decision: str) -> str:
    """The status a customer's answer through the link moves the quote to (409 once it is answered)."""
    if current not in LINK_DECIDABLE:
        raise Conflict(
            f"This quote is {current} already; it cannot be answered again.", current_status=current
        )
    return LINK_DECISIONS[decision]


def job_transition(current: str, new: str) -> None:
    if new not in JOB_TRANSITIONS.get(current, set()):
        raise Conflict(f"A job that is {current} cannot become {new}.", current_status=current)


# --- invoice address ------------------------------------------------------------------------------

_TAG = re.compile(r"\[([a-z0-9_]+)\]")
DEFAULT_ADDRESS_FORMAT = (
    "[customer_name]\n[customer_address_line_1]\n[customer_address_line_2]\n[customer_address_line_3]\n"
    "[customer_town]\n[customer_county]\n[customer_postcode]"
)


def _person_name(person: dict | None) -> str:
    if not person:
        return ""
    if person.get("company_name"):
        return person["company_name"]
    return " ".join(p for p in (person.get("title"), person.get("first_name"), person.get("surname")) if p)


def address_tags(customer, work_address=None) -> dict[str, str]:
    tags = {
        "customer_name": customer.display_name,
        "customer_company_name": customer.company_name,
        "customer_address_line_1": customer.address_line_1,
        "customer_address_line_2": customer.address_line_2,
        "customer_address_line_3": customer.address_line_3,
        "customer_town": customer.town,
        "customer_county": customer.county,
        "customer_postcode": customer.postcode,
    }
    if work_address is not None:
        tags.update(
            {
                "landlord_name": _person_name(work_address.landlord),
                "occupier_name": _person_name(work_address.occupier),
                "work_address_name": work_address.name,
                "work_address_line_1": work_address.address_line_1,
                "work_address_line_2": work_address.address_line_2,
                "work_address_line_3": work_address.address_line_3,
                "work_address_town": work_address.town,
                "work_address_county": work_address.county,
                "work_address_postcode": work_address.postcode,
            }
        )
    return {k: (v or "").strip() for k, v in tags.items()}


def format_invoice_address(fmt: str | None, tags: dict[str, str]) -> str:
    """Fill the tags; a blank (or unknown) tag is skipped together with the words tied to it.

    `[landlord_name] c/o [customer_name]` with no landlord gives just the customer's name: the
    literal text between a blank tag and the next tag on the line ("c/o") only makes sense next to
    the value, so it goes too. Lines left empty are dropped; spaces are tidied.
    """
    out_lines = []
    for raw_line in (fmt or DEFAULT_ADDRESS_FORMAT).splitlines():
        parts = _TAG.split(raw_line)  # text, tag, text, tag, ..., text
        pieces: list[str] = []
        skip_text = False
        for i, part in enumerate(parts):
            if i % 2 == 1:
                value = tags.get(part, "")
                if value:
                    pieces.append(value)
                    skip_text = False
                else:
                    skip_text = True
            else:
                text = part
                if skip_text and i + 1 < len(parts):
                    text = " "  # the connecting words after a blank tag
                elif skip_text:
                    text = text if not text.strip() else ""
                pieces.append(text)
        line = re.sub(r"\s+", " ", "".join(pieces)).strip(" ,")
        if line:
            out_lines.append(line)
    return "\n".join(out_lines)


# --- card data --------------------------------------------------------------------------------------

FORBIDDEN_CARD_FIELDS = (
    "number",
    "pan",
    "card_number",
    "cvc",
    "cvv",
    "cvv2",
    "cvc2",
    "security_code",
)
_DIGIT_RUN = re.compile(r"(?:\d[ -]?){12,19}")


def looks_like_pan(value: str) -> bool:
    return bool(_DIGIT_RUN.search(value or ""))


def refuse_card_secrets(body: dict) -> None:
    """422 when a card number or security code is sent; the message never repeats what was sent."""
    errors = {}
    for name in body:
        if name.lower() in FORBIDDEN_CARD_FIELDS:
            errors[name] = [
                "Card numbers and security codes are never accepted or stored: send the payment "
                "provider's token, the brand, the last 4 digits and the expiry."
            ]
    for name in ("provider_token", "name_on_card", "provider"):
        value = body.get(name)
        if isinstance(value, str) and looks_like_pan(value):
            errors[name] = ["This looks like a card number; it is never accepted or stored."]
    if errors:
        raise ValidationFailed(errors, detail="Card details refused: only a provider token is kept.")
