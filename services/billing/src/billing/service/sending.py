"""Sending an invoice, a quote or a credit note to the customer: billing checks the document may be
sent and publishes `document.send_requested`; comms renders the email, fetches the document's PDF
from billing and sends it (as with `statement.generated`). Nothing is sent from here.

A voided or draft invoice is refused (409): what the customer would receive is not owed. A blocked
account may be sent its documents (the block is about new work, not papers). A draft quote becomes
`sent`: it has been sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from fieldbook_shared.db import utcnow
from fieldbook_shared.problems import Conflict

from ..domain import acceptance_links, rules
from ..uow import BillingUnitOfWork
from .common import customer_for

# how long the acceptance link a sent quote carries works (as POST /v1/quotes/{id}/acceptance-link)
QUOTE_LINK_DAYS = 30


@dataclass(frozen=True)
class QuoteLinks:
    """How to sign a quote's acceptance link and where it opens (the API knows the address)."""

    secret: str
    url_of: Callable[[str], str]  # token → the page's URL


KINDS = ("invoice", "quote", "credit_note")


def _document(uow: BillingUnitOfWork, kind: str, document_id: str):
    if kind == "invoice":
        invoice = uow.invoices.get(document_id, lock=True)
        if invoice.status in ("void", "draft"):
            what = "voided" if invoice.status == "void" else "a draft"
            raise Conflict(
                f"Invoice {invoice.number} is {what}: only an issued invoice can be sent.",
                current_status=invoice.status,
            )
        return invoice
    if kind == "quote":
        quote = uow.quotes.get(document_id, lock=True)
        if quote.status == "draft":
            quote.move_to("sent")
        return quote
    return uow.credit_notes.get(document_id, lock=True)


def send_document(
    uow: BillingUnitOfWork, kind: str, document_id: str, body: dict, links: QuoteLinks | None = None
) -> dict:
    """Ask comms to email the document (`document.send_requested`); what was asked, for the 202. A
    quote that can still be answered carries its signed acceptance link (`acceptance_url`)."""
    with uow:
        document = _document(uow, kind, document_id)
        customer_for(uow, document.customer_id)  # deleted → 404, merged → 410 naming the survivor
        request = {
            "kind": kind,
            "document_id": document.id,
            "number": document.number,
            "customer_id": document.customer_id,
            "to": list(body.get("to") or []),
            "template_id": body.get("template_id"),
            "message": body.get("message"),
        }
        if kind == "quote" and links is not None and document.status in rules.LINK_DECIDABLE:
            expires_at = utcnow() + timedelta(days=QUOTE_LINK_DAYS)
            token = acceptance_links.sign(
                links.secret, uow.tenant_id, document.id, expires_at, terms=document.terms()
            )
            request["acceptance_url"] = links.url_of(token)
        event = uow.publish("document.send_requested", request, subject=document.customer_id)
        uow.commit()
        return {**request, "id": event.id, "status": "queued"}
