"""A quote's acceptance link, the customer's side: read the quote, accept or reject it, get its PDF.

No API key: the gateway forwards `/v1/public/...` without one and without a tenant (its internal
token is still required, as for every request). The tenant and the quote come from the signed token
in the path alone (domain/acceptance_links.py): 403 when it does not verify, 410 once expired.
"""

from __future__ import annotations

from flask import current_app, g, request
from flask.views import MethodView

from fieldbook_shared.apidoc import answers, file_response
from fieldbook_shared.context import RequestContext
from fieldbook_shared.verbs import blueprint
from fieldbook_shared.web import current_uow

from ..domain import acceptance_links
from ..domain.acceptance_links import AcceptanceLink
from ..service import documents
from ..service.acceptance import decide_by_link, quote_by_link, verify_link
from .documents import PDF, document_pdf
from .schemas import PublicQuoteSchema, QuoteDecisionSchema, QuoteSchema

PATH = "/v1/public/quotes"
ACTOR = "acceptance-link"  # who the events and logs say acted: the customer, through the link

blp = blueprint(
    "public_quotes", PATH, "A quote as its customer sees it through the acceptance link: no API key."
)
NO_KEY = {"security": []}


def public_url(path: str) -> str:
    """`path` on the address the client used (the gateway's, from the X-Forwarded-* it sets)."""
    host = request.headers.get("X-Forwarded-Host")
    if not host:
        return request.host_url.rstrip("/") + path
    return f"{request.headers.get('X-Forwarded-Proto', 'http')}://{host}{path}"


@blp.before_request
def _open_link() -> None:
    """Verify the link before anything else (its body too: a bad link is 403 / 410 whatever it
    sends), then speak for the link's tenant for the rest of the request."""
    token = (request.view_args or {}).get("token", "")
    link = verify_link(current_app.extensions["fieldbook"].settings.quote_link_secret, token)
    g.link, g.tenant_id, g.actor = link, link.tenant_id, ACTOR
    g.context = RequestContext(
        tenant_id=link.tenant_id,
        actor=ACTOR,
        role="readonly",
        request_id=g.request_id,
        correlation_id=g.get("correlation_id"),
    )


def _page(quote, link: AcceptanceLink, token: str) -> dict:
    settings = documents.read_settings(current_uow())
    default_name = current_app.extensions["fieldbook"].settings.business_name
    data = {name: getattr(quote, name) for name in PublicQuoteSchema().fields if hasattr(quote, name)}
    data.update(
        business_name=settings.business_name or default_name,
        link_expires_at=link.expires_at,
        changed_since_link=not acceptance_links.still_the_terms(link, quote.terms()),
        pdf_url=public_url(f"{PATH}/{token}/pdf"),
    )
    return data


@blp.route("/<string:token>")
class PublicQuote(MethodView):
    @blp.doc(**NO_KEY)
    @answers(403, 404, 410)
    @blp.response(200, PublicQuoteSchema)
    def get(self, token):
        """The quote the link is for: its lines, totals, status and who sends it."""
        return _page(quote_by_link(current_uow(), g.link), g.link, token)

    @blp.doc(**NO_KEY)
    @answers(403, 404, 409, 410)
    @blp.arguments(QuoteDecisionSchema)
    @blp.response(200, PublicQuoteSchema)
    def post(self, body, token):
        """Accept or reject the quote, with your name: once (409 when it is answered already, or when
        the quote was changed after the link was made)."""
        quote = decide_by_link(
            current_uow(), g.link, body["decision"], body["name"].strip(), body.get("comment")
        )
        return _page(quote, g.link, token)


@blp.route("/<string:token>/pdf")
class PublicQuotePdf(MethodView):
    @blp.doc(**NO_KEY)
    @answers(403, 404, 410)
    @file_response(PDF, description="The quote as a PDF")
    def get(self, token):
        """The quote as a PDF, as staff print it."""
        data = QuoteSchema().dump(quote_by_link(current_uow(), g.link))
        return document_pdf("quote", data, f"quote-{data['number']}")
