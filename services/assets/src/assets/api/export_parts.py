"""assets' part of the export of all customer data (called by customers' export job)."""

from fieldbook_shared.export_parts import Part, parts_blueprint

from ..store.models import Asset

PARTS = {
    "assets": Part(
        Asset,
        (
            "id",
            "customer_id",
            "work_address_id",
            "branch_id",
            "serial_number",
            "technical_reference",
            "product_code",
            "model_id",
            "brand",
            "description",
            "product_class",
            "asset_group_id",
            "fuel_type_id",
            "location_id",
            "make_id",
            "install_date",
            "warranty_expiry",
            "cost_centre",
            "custom_fields",
            "created_at",
            "updated_at",
        ),
    ),
}

blp = parts_blueprint(PARTS)
