"""Use cases of a quote's acceptance link: staff make one; the customer, with no API key, reads the
quote through it and accepts or rejects it once, with their name (domain/acceptance_links.py).

An acceptance only moves the quote to accepted: converting it to a job stays the staff's step, and
is refused while the account is blocked (service/quotes.py `convert_quote`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fieldbook_shared.db import utcnow
from fieldbook_shared.problems import Conflict

from ..domain import acceptance_links, rules
from ..domain.acceptance_links import AcceptanceLink
from ..store.models import Quote
from ..uow import BillingUnitOfWork


def make_link(uow: BillingUnitOfWork, quote_id: str, secret: str, days: int) -> tuple[str, datetime]:
    """A signed token for the quote, valid `days` days; 409 when the quote is answered already."""
    with uow:
        quote = uow.quotes.get(quote_id)
        if quote.status not in rules.LINK_DECIDABLE:
            raise Conflict(
                f"A {quote.status} quote cannot be sent for acceptance.", current_status=quote.status
            )
        expires_at = utcnow() + timedelta(days=days)
        token = acceptance_links.sign(secret, uow.tenant_id, quote.id, expires_at, terms=quote.terms())
        return token, expires_at


def verify_link(secret: str, token: str) -> AcceptanceLink:
    """The link's tenant and quote: 403 when it does not verify, 410 once expired."""
    return acceptance_links.verify(secret, token, utcnow())


def quote_by_link(uow: BillingUnitOfWork, link: AcceptanceLink) -> Quote:
    with uow:
        return uow.quotes.get(link.quote_id)


def decide_by_link(
    uow: BillingUnitOfWork, link: AcceptanceLink, decision: str, name: str, comment: str | None
) -> Quote:
    """Accept or reject: recorded with the name and time, told as quote.status_changed; 409 when
    the quote was answered (or converted) already, or changed since the link was made."""
    with uow:
        quote = uow.quotes.get(link.quote_id, lock=True)
        if quote.status in rules.LINK_DECIDABLE and not acceptance_links.still_the_terms(link, quote.terms()):
            raise Conflict(
                "This quote was changed after this link was sent; ask for the new link.",
                reason="quote_changed",
                current_status=quote.status,
            )
        quote.decide(decision, name, comment)
        uow.commit()
        return quote
