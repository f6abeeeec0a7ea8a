"""Delivery receipts: the SMS provider POSTs what became of each SMS to the status callback it was
given (`SMS_STATUS_CALLBACK_URL/<tenant id>`, through the gateway's `/v1/public/...`: no API key).

What authenticates a receipt is its signature: `X-Sms-Timestamp` (Unix seconds) and
`X-Sms-Signature` (`sha256=` + hex HMAC-SHA256 of `<timestamp>.<raw body>` under
`SMS_RECEIPT_SECRET`, the secret shared with the provider), checked before anything else; unsigned,
badly signed or older than five minutes → 401, and nothing is read. The tenant comes from the path;
the SMS from the receipt's `reference` (its id, as comms sent it).
"""

from __future__ import annotations

import time

from flask import current_app, g, request
from flask.views import MethodView

from fieldbook_shared.apidoc import answers
from fieldbook_shared.context import RequestContext
from fieldbook_shared.problems import Unauthorised
from fieldbook_shared.verbs import blueprint
from fieldbook_shared.web import current_uow

from ..domain.sms import receipt_verifies
from ..service import sms as service
from .schemas import SmsReceiptAnswerSchema, SmsReceiptSchema

PATH = "/v1/public/sms-receipts"
ACTOR = "sms-provider"  # who the events and logs say acted
TIMESTAMP_HEADER, SIGNATURE_HEADER = "X-Sms-Timestamp", "X-Sms-Signature"

blp = blueprint(
    "sms_receipts",
    PATH,
    "The SMS provider's delivery receipts: no API key; each signed with the shared secret.",
)
NO_KEY = {"security": []}
SIGNED = {
    "parameters": [
        {
            "name": TIMESTAMP_HEADER,
            "in": "header",
            "required": True,
            "schema": {"type": "string", "maxLength": 20},
            "description": "When the provider signed the receipt (Unix seconds); at most five minutes away.",
        },
        {
            "name": SIGNATURE_HEADER,
            "in": "header",
            "required": True,
            "schema": {"type": "string", "maxLength": 100},
            "description": "`sha256=` + hex HMAC-SHA256 of `<timestamp>.<raw body>` under the shared secret.",
        },
    ]
}


@blp.before_request
def _check_signature() -> None:
    """Verify the receipt before anything reads it, then speak for the path's tenant."""
    secret = current_app.extensions["fieldbook"].settings.sms_receipt_secret
    why = receipt_verifies(
        secret,
        request.headers.get(TIMESTAMP_HEADER, ""),
        request.headers.get(SIGNATURE_HEADER, ""),
        request.get_data(cache=True),
        time.time(),
    )
    if why:
        raise Unauthorised(why)
    tenant = (request.view_args or {}).get("tenant_id", "")
    g.tenant_id, g.actor = tenant, ACTOR
    g.context = RequestContext(
        tenant_id=tenant,
        actor=ACTOR,
        role="readonly",
        request_id=g.request_id,
        correlation_id=g.get("correlation_id"),
    )


@blp.route("/<string(maxlength=64):tenant_id>")
class SmsReceipts(MethodView):
    @blp.doc(**NO_KEY, **SIGNED)
    @answers(401, 404, 409)
    @blp.arguments(SmsReceiptSchema)
    @blp.response(200, SmsReceiptAnswerSchema)
    def post(self, receipt, tenant_id):
        """A delivery receipt: `delivered` → the SMS is delivered; `failed`, `undelivered`,
        `rejected` or `expired` → failed (with the error); other statuses are noted. A repeated
        receipt changes nothing (200 again). 404: no such SMS for the tenant; 409: the SMS is not
        recorded as sent yet (send the receipt again later) or the receipt names another provider
        message."""
        sms = service.apply_receipt(current_uow(), receipt["reference"].lower(), receipt)
        return {"id": sms.id, "status": sms.status}
