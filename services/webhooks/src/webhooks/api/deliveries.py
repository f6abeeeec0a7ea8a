"""The delivery log of an endpoint, and replays.

GET /v1/webhooks/{webhook_id}/deliveries                          (newest first; ?status=)
GET /v1/webhooks/{webhook_id}/deliveries/{delivery_id}
POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay   (same body, same webhook-id)
POST /v1/webhooks/{webhook_id}/deliveries/replay-failed          (every given-up one)
"""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import RAISE

from fieldbook_shared.apidoc import answers
from fieldbook_shared.verbs import lists, reader
from fieldbook_shared.web import current_uow

from ..service import deliveries as service
from .endpoints import blp
from .schemas import DeliveriesQuery, DeliverySchema, ReplaysSchema


@blp.route("/<uuid:webhook_id>/deliveries")
class Deliveries(MethodView):
    @lists(blp, DeliverySchema(many=True), query=DeliveriesQuery, unknown=RAISE)
    def get(self, query, page, webhook_id):
        """Every delivery to the endpoint, newest first, with its last attempt: status, response
        code, duration and the attempt count."""
        return service.list_deliveries(current_uow(), str(webhook_id), query.get("status"), *page)


@blp.route("/<uuid:webhook_id>/deliveries/<uuid:delivery_id>")
class DeliveryItem(MethodView):
    get = reader(blp, DeliverySchema, service.get_delivery, "One delivery.", etag=False)


@blp.route("/<uuid:webhook_id>/deliveries/<uuid:delivery_id>/replay")
class Replay(MethodView):
    @blp.response(202, DeliverySchema)
    @answers(409)
    def post(self, webhook_id, delivery_id):
        """Send the delivery's message again (same body, same `webhook-id`), after the customer's
        deliveries already waiting. 409 while the delivery is still being tried."""
        return service.replay_delivery(current_uow(), str(webhook_id), str(delivery_id))


@blp.route("/<uuid:webhook_id>/deliveries/replay-failed")
class ReplayFailed(MethodView):
    @blp.response(202, ReplaysSchema)
    def post(self, webhook_id):
        """Send every given-up delivery of the endpoint again, in their original order."""
        return {"replayed": service.replay_failed(current_uow(), str(webhook_id))}
