"""What an email message can carry: header text on one line, and addresses SMTP can send to."""

from __future__ import annotations

MAX_ADDRESS = 254  # RFC 5321 path limit, and the column
MAX_SUBJECT = 500  # emails.subject
MAX_SUMMARY = 500  # a line of the communications log: a note's or an email's text, cut


def fit(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, the cut marked with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary(text: str | None) -> str | None:
    """What the communications log shows of a note's or an email's text."""
    return None if text is None else fit(text, MAX_SUMMARY)


def one_line(text: str | None) -> str:
    """Header text (a subject, a name) with every CR/LF as a space: a header is one line, and a
    name with a line break must never add a header of its own."""
    return " ".join((text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def has_line_break(text: str | None) -> bool:
    return "\r" in (text or "") or "\n" in (text or "")


def sendable_address(address: str) -> str:
    """The address as SMTP can carry it: an ASCII local part, the domain IDNA-encoded
    (`ü@exämple.com` is refused, `jane@exämple.com` → `jane@xn--exmple-cua.com`). ValueError when it
    cannot be sent."""
    local, at, domain = (address or "").strip().rpartition("@")
    if not at or not local or not domain:
        raise ValueError("Not a valid email address.")
    if not local.isascii() or any(ord(c) < 33 or ord(c) == 127 for c in local):
        raise ValueError("The part before @ must be plain ASCII: such an address cannot be sent.")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError("The domain cannot be written in ASCII (IDNA): it cannot be sent.") from None
    out = f"{local}@{domain}"
    if len(out) > MAX_ADDRESS:
        raise ValueError(f"Longer than {MAX_ADDRESS} characters.")
    return out
