"""What the assets service publishes: `asset.created` / `asset.updated` (a full snapshot with its
`version`) and `asset.deleted` (schemas in the kit's catalogue). What it consumes is in handlers.py.
"""

from __future__ import annotations

from .store.models import Asset


def asset_snapshot(a: Asset) -> dict:
    return {
        "id": a.id,
        "version": a.version,
        "customer_id": a.customer_id,
        "work_address_id": a.work_address_id,
        "branch_id": a.branch_id,
        "serial_number": a.serial_number,
        "technical_reference": a.technical_reference,
        "product_code": a.product_code,
        "model_id": a.model_id,
        "brand": a.brand,
        "description": a.description,
        "product_class": a.product_class,
        "asset_group_id": a.asset_group_id,
        "fuel_type_id": a.fuel_type_id,
        "location_id": a.location_id,
        "make_id": a.make_id,
        "install_date": a.install_date,
        "warranty_expiry": a.warranty_expiry,
        "cost_centre": a.cost_centre,
        "custom_fields": a.custom_fields or {},
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }
