"""Sage 50 style accounts refs: upper case, letters and digits, at most 8 characters, unique per
tenant, stable (assigned once, never changed). A name prefix plus a counter: SMITHJ01, SMITHJ02…"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

MAX_LEN = 8
REF_RE = re.compile(r"^[A-Z0-9]{1,8}$")
# what the customers service accepts on a customer's record (imports of the seed systems' "sage ref")
CUSTOMERS_REF_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-_./&]{0,7}$")
_COMPANY_NOISE = {"THE", "LTD", "LIMITED", "PLC", "LLP", "CO", "COMPANY", "AND", "INC", "GROUP"}


def _letters(text: str | None) -> str:
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def is_valid_ref(ref: str | None) -> bool:
    return bool(ref and REF_RE.match(ref))


def customers_ref(customer: dict | None) -> str | None:
    """The accounts ref on the customer's own record (e.g. imported from a seed system's "sage ref"
    column), upper case; None when it has none or it could not be a Sage 50 ref."""
    ref = ((customer or {}).get("accounts_ref") or "").strip().upper()
    return ref if CUSTOMERS_REF_RE.match(ref) else None


def ref_base(customer: dict) -> str:
    """SMITHJ for John Smith, ACMEHE for Acme Heating Ltd, at most 6 characters, never empty."""
    if customer.get("type") == "company" or (not customer.get("surname") and customer.get("company_name")):
        words = [w for w in re.split(r"[^A-Za-z0-9]+", (customer.get("company_name") or "").upper()) if w]
        words = [w for w in words if w not in _COMPANY_NOISE] or words
        base = "".join(words)[:6]
    else:
        base = _letters(customer.get("surname"))[:5] + _letters(customer.get("first_name"))[:1]
    base = base or _letters(customer.get("display_name"))[:6]
    return base or "CUST"


def candidates(base: str) -> Iterator[str]:
    """SMITHJ01 … SMITHJ99, then SMITH100 … SMITH999, then SMIT1000 …: always ≤ 8 characters."""
    base = _letters(base) or "CUST"
    for digits in range(2, MAX_LEN):
        stem = base[: MAX_LEN - digits]
        start = 1 if digits == 2 else 10 ** (digits - 1)
        for n in range(start, 10**digits):
            yield f"{stem}{n:0{digits}d}"


def next_free_ref(base: str, taken: Iterable[str]) -> str:
    """The first candidate for `base` that nobody holds (compared upper case)."""
    used = {t.upper() for t in taken if t}
    for ref in candidates(base):
        if ref not in used:
            return ref
    raise ValueError(f"no free accounts ref left for {base!r}")  # pragma: no cover - 10^7 refs
