"""Events published by the assets service."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import CustomerRecordData, EventData, VersionedRecordData


class AssetData(VersionedRecordData):
    """A snapshot of the asset; `version` lets read models ignore stale, out-of-order copies."""

    work_address_id = fields.String(allow_none=True)
    branch_id = fields.String(allow_none=True)
    serial_number = fields.String(allow_none=True)
    technical_reference = fields.String(allow_none=True)
    product_code = fields.String(allow_none=True)
    model_id = fields.String(allow_none=True)
    brand = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    product_class = fields.String(allow_none=True)
    asset_group_id = fields.String(allow_none=True)
    fuel_type_id = fields.String(allow_none=True)
    location_id = fields.String(allow_none=True)
    make_id = fields.String(allow_none=True)
    install_date = fields.Date(allow_none=True)
    warranty_expiry = fields.Date(allow_none=True)
    cost_centre = fields.String(allow_none=True)
    custom_fields = fields.Dict(load_default=dict)
    created_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)


class AssetDeletedData(CustomerRecordData):
    serial_number = fields.String(allow_none=True)
    # "deleted" (someone deleted it) or "customer_deleted" (it went with its customer)
    reason = fields.String(required=True, validate=validate.OneOf(["deleted", "customer_deleted"]))


SCHEMAS: dict[str, type[EventData]] = {
    "asset.created": AssetData,
    "asset.updated": AssetData,
    "asset.deleted": AssetDeletedData,
}
