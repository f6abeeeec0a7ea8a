"""The tenant's asset catalogue: groups, fuel types, makes, models, locations.

Four of them are a name and a description; a model also has its make, product code and product
class. Names are unique per tenant (a model's within its make; product codes per tenant): a clash
is a 409. PATCH and DELETE honour `If-Match` when sent; deleting an entry that assets use is a 409.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from fieldbook_shared.apidoc import accepts_if_match, sends_etag
from fieldbook_shared.etag import etag_for, optional_version, with_etag
from fieldbook_shared.schemas import PagedQuery
from fieldbook_shared.verbs import adds, blueprint, created, creates, lists, reads
from fieldbook_shared.web import current_uow

from ..service import catalogue as service
from .schemas import (
    CatalogueEntryInSchema,
    CatalogueEntrySchema,
    ModelInSchema,
    ModelQuerySchema,
    ModelSchema,
)

PREFIX = "/v1/asset-catalogue"


def simple_blueprint(kind: str, title: str) -> Blueprint:
    """The blueprint of a name + description family (groups, fuel types, makes, locations)."""
    blp = blueprint(f"catalogue-{kind}", f"{PREFIX}/{kind}", title)

    @blp.route("")
    class Collection(MethodView):
        @lists(blp, CatalogueEntrySchema(many=True), query=PagedQuery, unknown=RAISE)
        def get(self, query, page):
            """The tenant's entries, by name, paged."""
            return service.list_entries(current_uow(), kind, *page)

        @creates(blp, CatalogueEntryInSchema, CatalogueEntrySchema)
        def post(self, body):
            """Add an entry; its name must not be in use (409)."""
            entry = service.create_entry(current_uow(), kind, body)
            return created(entry, f"{PREFIX}/{kind}/{entry.id}")

    @blp.route("/<uuid:entry_id>")
    class Item(MethodView):
        @reads(blp, CatalogueEntrySchema)
        def get(self, entry_id):
            """Read an entry of this catalogue list."""
            return with_etag(service.get_entry(current_uow(), kind, str(entry_id)))

        @accepts_if_match
        @sends_etag
        @blp.arguments(CatalogueEntryInSchema(partial=True))
        @blp.response(200, CatalogueEntrySchema)
        def patch(self, body, entry_id):
            """Rename or describe. Honours `If-Match` when sent."""
            return with_etag(
                service.update_entry(current_uow(), kind, str(entry_id), optional_version(), body)
            )

        @accepts_if_match
        @blp.response(204)
        def delete(self, entry_id):
            """Delete an entry no asset uses (409 otherwise). Honours `If-Match` when sent."""
            service.delete_entry(current_uow(), kind, str(entry_id), optional_version())

    return blp


groups = simple_blueprint("groups", "Asset groups (appliance groups): boilers, fires, cookers…")
fuel_types = simple_blueprint("fuel-types", "Fuel types: gas, oil, LPG, electric…")
makes = simple_blueprint("makes", "Makes (brands) of assets.")
locations = simple_blueprint("locations", "Locations of an asset within a property: kitchen, loft…")

models = blueprint(
    "catalogue-models",
    f"{PREFIX}/models",
    "Models of a make, found by product code: the code fills an asset's brand, "
    "description and product class.",
)


def model_row(pair) -> dict:
    model, brand = pair
    return {
        "id": model.id,
        "name": model.name,
        "description": model.description,
        "make_id": model.make_id,
        "brand": brand,
        "product_code": model.product_code,
        "product_class": model.product_class,
        "version": model.version,
        "created_at": model.created_at,
        "updated_at": model.updated_at,
    }


def model_response(model, status: int = 200, **headers):
    row = model_row(service.describe_model(current_uow(), model))
    return row, status, {"ETag": etag_for(model.version), **headers}


@models.route("")
class ModelCollection(MethodView):
    @lists(models, ModelSchema(many=True), query=ModelQuerySchema, unknown=RAISE)
    def get(self, query, page):
        """The tenant's models, by name, paged (`make_id` narrows to one make)."""
        rows, total = service.list_models(current_uow(), query.get("make_id"), *page)
        return [model_row(p) for p in rows], total

    @adds(models, ModelInSchema, ModelSchema)
    def post(self, body):
        """Add a model; its product code must be new (409) and its make must exist (422)."""
        model = service.create_entry(current_uow(), "models", body)
        return model_response(model, 201, Location=f"{PREFIX}/models/{model.id}")


@models.route("/<uuid:entry_id>")
class ModelItem(MethodView):
    @models.response(200, ModelSchema)
    def get(self, entry_id):
        """Read a model of the asset catalogue."""
        return model_response(service.get_entry(current_uow(), "models", str(entry_id)))

    @accepts_if_match
    @models.arguments(ModelInSchema(partial=True))
    @models.response(200, ModelSchema)
    def patch(self, body, entry_id):
        """Edit a model. Assets already filled from it keep their values. Honours `If-Match`."""
        model = service.update_entry(current_uow(), "models", str(entry_id), optional_version(), body)
        return model_response(model)

    @accepts_if_match
    @models.response(204)
    def delete(self, entry_id):
        """Delete a model no asset uses (409 otherwise). Honours `If-Match` when sent."""
        service.delete_entry(current_uow(), "models", str(entry_id), optional_version())


BLUEPRINTS = [groups, fuel_types, makes, models, locations]
