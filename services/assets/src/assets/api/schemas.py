"""marshmallow schemas for every request and response of the assets service.

Requests refuse unknown fields (marshmallow's RAISE), so a typo is a 422, never silently dropped. So
do query strings: the views load them with `unknown=RAISE` (webargs would EXCLUDE them), and the
schemas of paged lists know `page` and `page_size` (read by the pagination, not by them).
Ids are UUIDs (a malformed one is a 422 on its field); dates are ISO dates, times UTC ISO 8601.
"""

from __future__ import annotations

from marshmallow import fields, validate

from fieldbook_shared.events.catalogue.assets import AssetData
from fieldbook_shared.schemas import FromCatalogue, Id, PagedQuery, Stamped, StrictSchema


def _text(max_len: int, **kw) -> fields.String:
    return fields.String(validate=validate.Length(max=max_len), **kw)


# --- the catalogue ---------------------------------------------------------------------------


class CatalogueEntryInSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = _text(500, allow_none=True)


class CatalogueEntrySchema(Stamped):
    id = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)


class ModelInSchema(CatalogueEntryInSchema):
    make_id = Id(required=True)
    product_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    product_class = _text(100, allow_none=True)


class ModelSchema(CatalogueEntrySchema):
    make_id = fields.String()
    brand = fields.String(metadata={"description": "The make's name: what an asset's brand is filled with."})
    product_code = fields.String()
    product_class = fields.String(allow_none=True)


class ModelQuerySchema(PagedQuery):
    make_id = Id()


# --- assets ----------------------------------------------------------------------------------


class AssetInSchema(StrictSchema):
    work_address_id = Id(allow_none=True)
    branch_id = Id(allow_none=True)
    serial_number = _text(100, allow_none=True)
    technical_reference = _text(200, allow_none=True)
    product_code = _text(64, allow_none=True)
    brand = _text(200, allow_none=True)
    description = _text(500, allow_none=True)
    product_class = _text(100, allow_none=True)
    asset_group_id = Id(allow_none=True)
    fuel_type_id = Id(allow_none=True)
    location_id = Id(allow_none=True)
    make_id = Id(allow_none=True)
    install_date = fields.Date(allow_none=True)
    warranty_expiry = fields.Date(allow_none=True)
    cost_centre = _text(100, allow_none=True)
    custom_fields = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)))


class AssetSchema(FromCatalogue, AssetData):
    """An asset as the API shows it: the snapshot its events carry (one description of an asset)."""


class AssetQuerySchema(PagedQuery):
    asset_group_id = Id()
    fuel_type_id = Id()
    location_id = Id()
    make_id = Id()
    work_address_id = Id()
    branch_id = Id()
    serial_number = fields.String(validate=validate.Length(min=1, max=100))
