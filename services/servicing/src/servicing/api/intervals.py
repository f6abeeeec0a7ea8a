"""Service intervals: months between services for an asset type (an asset group of the assets
catalogue), a work address or one asset. The most specific applies: asset, work address, type."""

from __future__ import annotations

from flask.views import MethodView

from fieldbook_shared.verbs import blueprint
from fieldbook_shared.web import current_uow

from ..service import intervals as service
from .schemas import IntervalInSchema, IntervalSchema

blp = blueprint(
    "service-intervals",
    "/v1/service-intervals",
    "How often assets are serviced, per asset type, work address or asset.",
)

# the path's word → the scope stored
SCOPES = {"asset-groups": "asset_group", "work-addresses": "work_address", "assets": "asset"}
SCOPE_PATH = "/<any('asset-groups', 'work-addresses', 'assets'):kind>/<uuid:scope_id>"


@blp.route("")
class Intervals(MethodView):
    @blp.response(200, IntervalSchema(many=True))
    def get(self):
        """Every interval the tenant set (a short list: not paged)."""
        return service.list_intervals(current_uow())


@blp.route(SCOPE_PATH)
class IntervalItem(MethodView):
    @blp.arguments(IntervalInSchema)
    @blp.response(200, IntervalSchema)
    @blp.alt_response(201, schema=IntervalSchema)
    def put(self, body, kind, scope_id):
        """Set the interval (201 when new, 200 when changed); every asset it applies to gets its next
        service date worked out again."""
        interval, made = service.set_interval(current_uow(), SCOPES[kind], str(scope_id), body["months"])
        return interval, 201 if made else 200

    @blp.response(204)
    def delete(self, kind, scope_id):
        """Remove the interval; the assets it applied to fall back to the next one that applies."""
        service.remove_interval(current_uow(), SCOPES[kind], str(scope_id))
