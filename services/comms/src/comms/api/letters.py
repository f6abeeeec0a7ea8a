"""Letters for the office to print and post: listed (`status=to_print`, oldest first), one as a PDF,
every one still to print in one PDF, and marked printed."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import RAISE

from fieldbook_shared.apidoc import file_response
from fieldbook_shared.verbs import blueprint, lists, reader
from fieldbook_shared.web import current_uow

from ..service import letters as service
from .schemas import LetterQuerySchema, LetterSchema, LettersPrintedSchema

PDF = "application/pdf"

blp = blueprint(
    "letters",
    "/v1/letters",
    "Letters to print and post (service reminders to customers who take post, not email), "
    "on the tenant's letterhead.",
)


def _pdf(body: bytes, name: str) -> Response:
    return Response(body, mimetype=PDF, headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


@blp.route("")
class LetterCollection(MethodView):
    @lists(blp, LetterSchema(many=True), query=LetterQuerySchema, unknown=RAISE)
    def get(self, query, page):
        """Letters, oldest first (`status`: to_print or printed; `customer_id`)."""
        return service.letters(current_uow(), query.get("status"), query.get("customer_id"), *page)


@blp.route("/to-print.pdf")
class PrintRun(MethodView):
    @file_response(PDF, description="Every letter still to print, oldest first, each from a new page")
    def get(self):
        """The letters still to print (oldest first, at most 200) in one PDF.

        It marks nothing: once they are printed, `POST /v1/letters/printed` with their ids
        (`GET /v1/letters?status=to_print` lists them in the same order)."""
        body, _ids = service.print_run(current_uow())
        return _pdf(body, "letters-to-print")


@blp.route("/printed")
class Printed(MethodView):
    @blp.arguments(LettersPrintedSchema)
    @blp.response(200, LetterSchema(many=True))
    def post(self, body):
        """Mark letters printed (all or nothing: an id that is not the tenant's letter is a 422).
        One printed already keeps its first printing's time."""
        return service.mark_printed(current_uow(), body["letter_ids"])


@blp.route("/<uuid:letter_id>")
class LetterItem(MethodView):
    get = reader(blp, LetterSchema, service.letter, "One letter.", etag=False)


@blp.route("/<uuid:letter_id>.pdf")
class LetterPdf(MethodView):
    @file_response(PDF, description="The letter on the tenant's letterhead")
    def get(self, letter_id):
        """One letter as a PDF, to print (printing it marks nothing)."""
        return _pdf(service.letter_pdf(current_uow(), str(letter_id)), f"letter-{letter_id}")
