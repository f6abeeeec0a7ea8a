"""Quotes (estimates): lines with VAT, statuses, and conversion to a job."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from fieldbook_shared.etag import with_etag
from fieldbook_shared.verbs import acts, adds, blueprint, creator, editor, located, reader
from fieldbook_shared.web import current_uow

from ..service.acceptance import make_link
from ..service.quotes import convert_quote, create_quote, get_quote, set_quote_status, update_quote
from ..service.sending import QuoteLinks
from .common import customer_documents, documents_lister
from .documents import pdf_route, send, sends
from .public_quotes import PATH as PUBLIC_PATH
from .public_quotes import public_url
from .schemas import (
    AcceptanceLinkInSchema,
    AcceptanceLinkSchema,
    ConvertedSchema,
    ConvertSchema,
    QuoteInSchema,
    QuoteListQuerySchema,
    QuotePatchSchema,
    QuoteSchema,
    QuoteStatusSchema,
)

customer_quotes = customer_documents("quotes")
quotes = blueprint("quotes", "/v1/quotes", "Quotes and their conversion to jobs.")


@customer_quotes.route("")
class CustomerQuotes(MethodView):
    get = documents_lister(customer_quotes, "quotes", QuoteSchema(many=True), QuoteListQuerySchema)

    post = creator(
        customer_quotes,
        QuoteInSchema,
        QuoteSchema,
        create_quote,
        "/v1/quotes/{id}",
        "Make a quote. A blocked customer can still be quoted; converting is what is refused.",
    )


@quotes.route("/<uuid:quote_id>")
class QuoteItem(MethodView):
    get = reader(quotes, QuoteSchema, get_quote, "Read a quote.")

    patch = editor(
        quotes, QuotePatchSchema, QuoteSchema, update_quote, "Edit a draft or sent quote. Needs `If-Match`."
    )


pdf_route(quotes, "quote", "quote_id", QuoteSchema, lambda quote_id: get_quote(current_uow(), str(quote_id)))


@quotes.route("/<uuid:quote_id>/send")
class QuoteSend(MethodView):
    @sends(quotes)
    def post(self, body, quote_id):
        """Email the quote with its PDF (to the primary contact unless `to`); a draft becomes sent.
        The email carries the quote's acceptance link (30 days), where the customer answers it."""
        secret = current_app.extensions["fieldbook"].settings.quote_link_secret
        links = QuoteLinks(secret, lambda token: public_url(f"{PUBLIC_PATH}/{token}"))
        return send("quote", quote_id, body, links)


@quotes.route("/<uuid:quote_id>/status")
class QuoteStatus(MethodView):
    @acts(quotes, QuoteStatusSchema, QuoteSchema)
    def post(self, body, quote_id):
        """Mark a quote sent, accepted or rejected."""
        return with_etag(set_quote_status(current_uow(), str(quote_id), body["status"]))


@quotes.route("/<uuid:quote_id>/convert")
class QuoteConvert(MethodView):
    @adds(quotes, ConvertSchema, ConvertedSchema)
    def post(self, body, quote_id):
        """Convert to a job: 409 while the account is blocked, or when over the credit limit."""
        quote, job = convert_quote(current_uow(), str(quote_id), body)
        return located({"quote": quote, "job": job}, f"/v1/jobs/{job.id}")


@quotes.route("/<uuid:quote_id>/acceptance-link")
class QuoteAcceptanceLink(MethodView):
    @quotes.arguments(AcceptanceLinkInSchema)
    @quotes.response(200, AcceptanceLinkSchema)
    def post(self, body, quote_id):
        """A link where the customer reads the quote and accepts or rejects it, with no API key:
        signed, for this quote only, expiring after `expires_in_days`. 409 once it is answered."""
        secret = current_app.extensions["fieldbook"].settings.quote_link_secret
        token, expires_at = make_link(current_uow(), str(quote_id), secret, body["expires_in_days"])
        return {"url": public_url(f"{PUBLIC_PATH}/{token}"), "token": token, "expires_at": expires_at}
