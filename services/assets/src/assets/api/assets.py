"""Assets (appliances) of a customer: list with filters, add, read, edit, delete."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from marshmallow import RAISE

from fieldbook_shared.etag import expected_version, optional_version, with_etag
from fieldbook_shared.verbs import blueprint, created, creates, deleter, edits, lists, reader
from fieldbook_shared.web import current_uow

from ..service import assets as service
from ..store.queries import AssetFilters
from .schemas import AssetInSchema, AssetQuerySchema, AssetSchema

LOOKUP_EXTENSION = "assets.customer_lookup"

customer_assets = blueprint(
    "customer-assets", "/v1/customers/<uuid:customer_id>/assets", "A customer's assets (appliances)."
)
assets = blueprint("assets", "/v1/assets", "One asset.")


def lookup():
    """The customers lookup for records not yet heard of through events (wired in create_app)."""
    return current_app.extensions.get(LOOKUP_EXTENSION)


@customer_assets.route("")
class CustomerAssets(MethodView):
    @lists(customer_assets, AssetSchema(many=True), query=AssetQuerySchema, unknown=RAISE)
    def get(self, query, customer_id, page):
        """The customer's assets, latest first; filter by group, fuel type, location, make, site."""
        return service.list_assets(
            current_uow(),
            lookup(),
            str(customer_id),
            AssetFilters(**query),
            *page,
        )

    @creates(customer_assets, AssetInSchema, AssetSchema)
    def post(self, body, customer_id):
        """Add an asset. A `product_code` from the catalogue fills brand, description, product class
        and make; a serial number already in use is a 409 naming its customer."""
        asset = service.create_asset(current_uow(), lookup(), str(customer_id), body)
        return created(asset, f"/v1/assets/{asset.id}")


@assets.route("/<uuid:asset_id>")
class AssetItem(MethodView):
    get = reader(assets, AssetSchema, service.get_asset, "Read an asset.")

    @edits(assets, AssetInSchema(partial=True), AssetSchema)
    def patch(self, body, asset_id):
        """Edit an asset (the technical reference may change at any time). Needs `If-Match`."""
        version = expected_version()
        return with_etag(service.update_asset(current_uow(), lookup(), str(asset_id), version, body))

    delete = deleter(
        assets,
        service.delete_asset,
        "Delete an asset. Honours `If-Match` when sent (412 when stale).",
        version=optional_version,
    )
