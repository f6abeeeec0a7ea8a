"""The rules of an SMS: which number it goes to, who must not be sent one (and why), how long it may
be, and how a delivery receipt is signed and what it says.

Numbers go out in E.164 (`+447700900123`): a UK national number (`07700 900123`) gets +44, `00`
becomes `+`; spaces, dots, dashes and brackets are dropped. Only a mobile is texted: a phone of
type `mobile`, or a number that is a UK mobile (07…) or written international (+…).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

MAX_BODY = 1600  # the providers' own limit: ten concatenated segments
SKIP_NO_MOBILE = "no mobile number"
SKIP_OPTED_OUT = "opted out of SMS"
SKIP_CONTACT_OPTED_OUT = "the contact opted out of SMS"
SKIP_WORK_ADDRESS_OPTED_OUT = "the work address opted out of SMS"

# what a provider's delivery receipt may say, and what it means for the SMS
DELIVERED = "delivered"
FAILED = "failed"
RECEIPT_STATUSES = ("queued", "accepted", "sent", "delivered", "undelivered", "failed", "rejected", "expired")
FINAL = {
    "delivered": DELIVERED,
    "undelivered": FAILED,
    "failed": FAILED,
    "rejected": FAILED,
    "expired": FAILED,
}
SIGNATURE_TOLERANCE_SECONDS = 300

_SEPARATORS = re.compile(r"[\s.\-()/]")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def normalise(number: str | None) -> str | None:
    """The number in E.164, or None when it is no phone number at all."""
    if not number:
        return None
    text = _SEPARATORS.sub("", str(number))
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("0"):
        text = "+44" + text[1:]
    return text if _E164.match(text) else None


def is_mobile(number: str | None) -> bool:
    """A number that can take a text: a UK mobile (+447…), or any other country's number (whose
    numbering we do not judge)."""
    e164 = normalise(number)
    return e164 is not None and (e164.startswith("+447") or not e164.startswith("+44"))


def mobile_of(phones: Iterable[dict] | None, fallback: str | None = None) -> str | None:
    """The mobile number to text: the first phone of type `mobile`, else the first of the phones
    that is a mobile number, else `fallback` (the customer's own phone) if it is one; E.164."""
    phones = [p for p in phones or [] if isinstance(p, dict) and p.get("number")]
    for phone in phones:
        if str(phone.get("type") or "").lower() == "mobile" and normalise(phone["number"]):
            return normalise(phone["number"])
    for candidate in [*(p["number"] for p in phones), fallback]:
        if is_mobile(candidate):
            return normalise(candidate)
    return None


def skip_reason(
    number: str | None,
    customer_preferences: dict | None,
    contact_preferences: dict | None = None,
    work_address_preferences: dict | None = None,
) -> str | None:
    """Why this SMS must not be sent (the customer, the contact it goes to or the work address it
    is about said `sms: false`, or there is no mobile number); None when it may."""
    if (customer_preferences or {}).get("sms") is False:
        return SKIP_OPTED_OUT
    if (contact_preferences or {}).get("sms") is False:
        return SKIP_CONTACT_OPTED_OUT
    if (work_address_preferences or {}).get("sms") is False:
        return SKIP_WORK_ADDRESS_OPTED_OUT
    if not number:
        return SKIP_NO_MOBILE
    return None


def segments(body: str) -> int:
    """How many SMS the provider sends for this text: 160 GSM characters in one, 153 a part when
    longer; 70 / 67 when any character is outside the GSM alphabet (UCS-2)."""
    gsm = all(ord(c) < 128 for c in body)
    single, part = (160, 153) if gsm else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // part)


# --- delivery receipts ---------------------------------------------------------------------------


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The receipt's signature: hex HMAC-SHA256 of `<timestamp>.<body>` under the shared secret."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def receipt_verifies(secret: str, timestamp: str, given: str, body: bytes, now: float) -> str | None:
    """None when the receipt is signed with `secret` within the tolerance; else why not."""
    if not secret:
        return "No SMS receipt secret is configured: receipts are refused."
    if not timestamp or not given:
        return "The receipt is not signed (X-Sms-Timestamp, X-Sms-Signature)."
    try:
        age = abs(now - float(timestamp))
    except ValueError:
        return "X-Sms-Timestamp is not a Unix time."
    if age > SIGNATURE_TOLERANCE_SECONDS:
        return f"The receipt's timestamp is more than {SIGNATURE_TOLERANCE_SECONDS} s away."
    expected = signature(secret, timestamp, body)
    presented = given.removeprefix("sha256=").strip()
    if not hmac.compare_digest(expected, presented):
        return "The receipt's signature does not verify."
    return None
