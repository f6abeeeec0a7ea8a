"""A quote's acceptance link: a signed, expiring, single-purpose token (no Flask, no database).

The token is itsdangerous' `URLSafeSerializer` (HMAC-SHA256) of `{"tenant", "quote", "exp", "terms"}`:
`<base64url JSON>.<base64url signature>`. The purpose, "quote-acceptance", is the signer's salt, so
a token signed for any other purpose with the same secret never verifies here. The JSON is readable
(the tenant's and the quote's ids, the expiry in Unix seconds): only the signature protects it, and
the ids are not secrets. The secret is billing's `QUOTE_LINK_SECRET`; changing it voids every link.

A link that does not verify (tampered, another purpose or secret, not a token) is 403; one past its
expiry is 410. Either way nothing is read or changed.

`terms` is a digest of what the customer is asked to agree to (the description, each line's text,
quantity, price and VAT rate, and the total): a sent quote may still be edited, and an answer through
a link made before the edit would accept a price the customer never saw, so it is refused (409) and
the office sends the new link. Links made before terms were signed carry none and are not checked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from itsdangerous import BadData, URLSafeSerializer

from fieldbook_shared.problems import Forbidden, Gone

PURPOSE = "quote-acceptance"
NOT_VALID = "This link is not valid; ask for a new one."


@dataclass(frozen=True)
class AcceptanceLink:
    tenant_id: str
    quote_id: str
    expires_at: datetime
    terms: str | None = None  # None: a link made before terms were signed


def quote_terms(
    description: str | None, lines: Iterable[tuple[str, Decimal, Decimal, Decimal]], total: Decimal
) -> str:
    """A short digest of the quote as the customer reads it: lines as (description, quantity, unit
    price, VAT rate). Decimals are normalised, so 1.50 and 1.5 are the same terms."""
    canonical = {
        "description": description or "",
        "lines": [[text, *(str(n.normalize()) for n in numbers)] for text, *numbers in lines],
        "total": str(total.normalize()),
    }
    encoded = json.dumps(canonical, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


def _serializer(secret: str, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=purpose, signer_kwargs={"digest_method": hashlib.sha256})


def sign(
    secret: str,
    tenant_id: str,
    quote_id: str,
    expires_at: datetime,
    purpose: str = PURPOSE,
    terms: str | None = None,
) -> str:
    data: dict[str, str | int] = {"tenant": tenant_id, "quote": quote_id, "exp": int(expires_at.timestamp())}
    if terms is not None:
        data["terms"] = terms
    return str(_serializer(secret, purpose).dumps(data))


def verify(secret: str, token: str, now: datetime, purpose: str = PURPOSE) -> AcceptanceLink:
    """The link's tenant, quote and expiry; 403 when it does not verify, 410 when it has expired."""
    try:
        data = _serializer(secret, purpose).loads(token)
    except BadData:
        raise Forbidden(NOT_VALID) from None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("tenant"), str)
        and isinstance(data.get("quote"), str)
        and isinstance(data.get("exp"), int)
        and isinstance(data.get("terms", ""), str)
    ):
        raise Forbidden(NOT_VALID)
    expires_at = datetime.fromtimestamp(data["exp"], UTC)
    if now >= expires_at:
        raise Gone("This link has expired; ask for a new one.", expired_at=expires_at.isoformat())
    return AcceptanceLink(data["tenant"], data["quote"], expires_at, data.get("terms"))


def still_the_terms(link: AcceptanceLink, current: str) -> bool:
    """Whether the quote still says what it said when the link was made."""
    return link.terms is None or link.terms == current
