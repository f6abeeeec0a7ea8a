"""SMS: to a customer's mobile (or one of its contacts'), from text or an email template's body;
queued here, handed to the provider by the worker, settled by the provider's delivery receipts."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import RAISE

from fieldbook_shared.apidoc import answers, sends_location
from fieldbook_shared.verbs import blueprint, lists, reader
from fieldbook_shared.web import current_uow

from ..service import sms as service
from .schemas import SmsInSchema, SmsQuerySchema, SmsSchema

blp = blueprint(
    "sms",
    "/v1/sms",
    "SMS to a customer's mobile, from a template or text. The customer's, contact's and work "
    "address's SMS preference is honoured: an opted-out one (or one without a mobile) is skipped with the "
    "reason. Sending happens in the background; delivery receipts settle each SMS.",
)


@blp.route("")
class SmsCollection(MethodView):
    @lists(blp, SmsSchema(many=True), query=SmsQuerySchema, unknown=RAISE)
    def get(self, query, page):
        """SMS, latest first (`customer_id`, `status` filter)."""
        return service.list_sms(current_uow(), query.get("customer_id"), query.get("status"), *page)

    @sends_location
    @answers(410)
    @blp.arguments(SmsInSchema)
    @blp.response(202, SmsSchema)
    def post(self, body):
        """Send an SMS to the customer (`customer_id`; `contact_id` for one of its contacts), about one
        of its work addresses if `work_address_id` is given; the text from `template_id` (an email
        template's body; placeholders filled in) or `body`. Answers 202 with the SMS: `queued` (the
        worker sends it; read it back for `sent`, then `delivered` or `failed`), or `skipped` with
        the `reason` (the customer, contact or work address opted out of SMS, or there is no mobile
        number): nothing is sent then, and the log shows it. 410: the customer was merged into
        another (`merged_into`)."""
        sms = service.send_sms(current_uow(), body)
        return sms, 202, {"Location": f"/v1/sms/{sms.id}"}


@blp.route("/<uuid:sms_id>")
class SmsItem(MethodView):
    get = reader(
        blp,
        SmsSchema,
        service.get_sms,
        "An SMS: its number, text, status and what the provider said.",
        etag=False,
    )
