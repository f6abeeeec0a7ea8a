"""first tables: the asset catalogue, assets, the read model of customers' records"""

import sqlalchemy as sa
from alembic import op

from fieldbook_shared.migrations import columns

revision = "0001"
down_revision = None
depends_on = "kit_0001"  # the kit's tables (fieldbook_shared/migrations/versions)


def catalogue_entry() -> list[sa.Column]:
    """What every list of the catalogue (groups, fuel types, locations, makes, models) holds."""
    return [
        *columns.record_keys(),
        columns.version(),
        columns.string("name", 200),
        columns.string("name_key", 200),
        columns.string("description", 500, nullable=True),
        *columns.timestamps(),
    ]


def catalogue_list(table: str) -> None:
    """A list of the catalogue with nothing more than `catalogue_entry`: a name once per tenant."""
    op.create_table(
        table,
        *catalogue_entry(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "name_key", name=f"uq_{table}_tenant_name"),
    )


def copy_of(table: str, key: str, *held: sa.Column, merges: bool = True) -> None:
    """A table of the read model: a copy of a customers record (`key`: its id there) and the
    columns it holds, one per record and tenant; the tombstone flag, (`merges`) the record it was
    merged into, and when it last changed."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        columns.tenant_id(),
        columns.record_id(key),
        *held,
        columns.flag("removed"),
        *([columns.string("merged_into", 36, nullable=True)] if merges else []),
        columns.utc_datetime("updated_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", key, name=f"uq_{table}_tenant_id"),
    )


def upgrade() -> None:
    catalogue_list("asset_groups")
    catalogue_list("fuel_types")
    copy_of(
        "known_branches",
        "branch_id",
        columns.record_id("customer_id"),
        columns.version(),
        columns.string("name", 200, nullable=True),
        columns.string("code", 50, nullable=True),
    )
    op.create_index("ix_known_branches_customer_id", "known_branches", ["customer_id"])
    copy_of(
        "known_customers",
        "customer_id",
        columns.version(),
        columns.string("display_name", 300, nullable=True),
        columns.string("status", 16, nullable=True),
    )
    copy_of(
        "known_work_addresses",
        "work_address_id",
        columns.record_id("customer_id"),
        columns.version(),
        columns.string("name", 200, nullable=True),
        sa.Column("address", sa.JSON(), nullable=False),
        columns.string("status", 16, nullable=True),
        merges=False,
    )
    op.create_index("ix_known_work_addresses_customer_id", "known_work_addresses", ["customer_id"])
    catalogue_list("locations")
    catalogue_list("makes")
    op.create_table(
        "asset_models",
        columns.record_id("make_id"),
        columns.string("product_code", 64),
        columns.string("product_code_key", 64),
        columns.string("product_class", 100, nullable=True),
        *catalogue_entry(),
        sa.ForeignKeyConstraint(
            ["make_id"],
            ["makes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "make_id", "name_key", name="uq_asset_models_tenant_make_name"),
        sa.UniqueConstraint("tenant_id", "product_code_key", name="uq_asset_models_tenant_product_code"),
    )
    op.create_index("ix_asset_models_make_id", "asset_models", ["make_id"])
    op.create_table(
        "assets",
        *columns.record_keys(),
        columns.version(),
        columns.record_id("customer_id"),
        columns.record_id("work_address_id", nullable=True),
        columns.record_id("branch_id", nullable=True),
        columns.string("serial_number", 100, nullable=True),
        columns.string("serial_key", 100, nullable=True),
        columns.string("technical_reference", 200, nullable=True),
        columns.string("product_code", 64, nullable=True),
        columns.record_id("model_id", nullable=True),
        columns.string("brand", 200, nullable=True),
        columns.string("description", 500, nullable=True),
        columns.string("product_class", 100, nullable=True),
        columns.record_id("asset_group_id", nullable=True),
        columns.record_id("fuel_type_id", nullable=True),
        columns.record_id("location_id", nullable=True),
        columns.record_id("make_id", nullable=True),
        sa.Column("install_date", sa.Date(), nullable=True),
        sa.Column("warranty_expiry", sa.Date(), nullable=True),
        columns.string("cost_centre", 100, nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        *columns.timestamps(),
        sa.ForeignKeyConstraint(
            ["asset_group_id"],
            ["asset_groups.id"],
        ),
        sa.ForeignKeyConstraint(
            ["fuel_type_id"],
            ["fuel_types.id"],
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["make_id"],
            ["makes.id"],
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["asset_models.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "serial_key", name="uq_assets_tenant_serial"),
    )
    op.create_index("ix_assets_asset_group_id", "assets", ["asset_group_id"])
    op.create_index("ix_assets_fuel_type_id", "assets", ["fuel_type_id"])
    op.create_index("ix_assets_location_id", "assets", ["location_id"])
    op.create_index("ix_assets_make_id", "assets", ["make_id"])
    op.create_index("ix_assets_model_id", "assets", ["model_id"])
    op.create_index("ix_assets_tenant_branch", "assets", ["tenant_id", "branch_id"])
    op.create_index("ix_assets_tenant_customer_created", "assets", ["tenant_id", "customer_id", "created_at"])
    op.create_index("ix_assets_tenant_work_address", "assets", ["tenant_id", "work_address_id"])


def downgrade() -> None:
    op.drop_table("assets")
    op.drop_table("asset_models")
    op.drop_table("makes")
    op.drop_table("locations")
    op.drop_table("known_work_addresses")
    op.drop_table("known_customers")
    op.drop_table("known_branches")
    op.drop_table("fuel_types")
    op.drop_table("asset_groups")
