"""SQLAlchemy models of the assets service. Every table carries tenant_id; every query filters by it.

Three families:
- the tenant's catalogue: asset groups, fuel types, makes, models (product code → make, description,
  product class) and locations; names are unique per tenant, compared case- and space-insensitively
  through a `name_key` column under a unique constraint;
- assets, with a `version` column (SQLAlchemy's version_id_col): it is the ETag, and its
  `UPDATE … WHERE version = :seen` settles races between writers that passed the If-Match check;
- the read model of customers' records (customers, work addresses, branches), fed by their events;
  a snapshot's `version` lets an older, out-of-order copy be ignored. A removed (deleted or merged)
  customer stays as a tombstone, so a late snapshot cannot bring it back.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from fieldbook_shared.aggregate import Aggregate
from fieldbook_shared.db import Base, utcnow
from fieldbook_shared.records import CustomerRecordKeys, RecordKeys, Timestamps, Versioned

# --- the catalogue ---------------------------------------------------------------------------


class CatalogueColumns(RecordKeys, Versioned, Timestamps):
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # lower case, single spaces: what "unique" compares
    description: Mapped[str | None] = mapped_column(String(500))

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        """A name is unique in the tenant's list (`uq_<table>_tenant_name`); a table with other
        rules (models) names its own."""
        return (UniqueConstraint("tenant_id", "name_key", name=f"uq_{cls.__tablename__}_tenant_name"),)


class AssetGroup(CatalogueColumns, Base):
    __tablename__ = "asset_groups"


class FuelType(CatalogueColumns, Base):
    __tablename__ = "fuel_types"


class Make(CatalogueColumns, Base):
    __tablename__ = "makes"


class Location(CatalogueColumns, Base):
    __tablename__ = "locations"


class AssetModel(CatalogueColumns, Base):
    """A model of a make, found by its product code (BMS): picking the code fills an asset's
    brand (the make's name), description and product class."""

    __tablename__ = "asset_models"
    __table_args__ = (
        # a model's name is unique within its make (two makes may both sell a "Combi 30")
        UniqueConstraint("tenant_id", "make_id", "name_key", name="uq_asset_models_tenant_make_name"),
        UniqueConstraint("tenant_id", "product_code_key", name="uq_asset_models_tenant_product_code"),
    )

    make_id: Mapped[str] = mapped_column(ForeignKey("makes.id"), index=True)
    product_code: Mapped[str] = mapped_column(String(64))
    product_code_key: Mapped[str] = mapped_column(String(64))
    product_class: Mapped[str | None] = mapped_column(String(100))


# --- assets ----------------------------------------------------------------------------------


class Asset(Aggregate, RecordKeys, Versioned, Timestamps, Base):
    """An appliance on a customer (at its address, a work address or a branch); `asset.*` events
    carry it."""

    __tablename__ = "assets"
    __table_args__ = (
        # serial numbers are unique per tenant; NULLs (no serial number) do not clash
        UniqueConstraint("tenant_id", "serial_key", name="uq_assets_tenant_serial"),
        Index("ix_assets_tenant_customer_created", "tenant_id", "customer_id", "created_at"),
        Index("ix_assets_tenant_work_address", "tenant_id", "work_address_id"),
        Index("ix_assets_tenant_branch", "tenant_id", "branch_id"),
    )

    customer_id: Mapped[str] = mapped_column(String(36))
    work_address_id: Mapped[str | None] = mapped_column(String(36))
    branch_id: Mapped[str | None] = mapped_column(String(36))
    serial_number: Mapped[str | None] = mapped_column(String(100))
    serial_key: Mapped[str | None] = mapped_column(String(100))  # upper case, no spaces
    technical_reference: Mapped[str | None] = mapped_column(String(200))
    product_code: Mapped[str | None] = mapped_column(String(64))
    model_id: Mapped[str | None] = mapped_column(ForeignKey("asset_models.id"), index=True)
    brand: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(500))
    product_class: Mapped[str | None] = mapped_column(String(100))
    asset_group_id: Mapped[str | None] = mapped_column(ForeignKey("asset_groups.id"), index=True)
    fuel_type_id: Mapped[str | None] = mapped_column(ForeignKey("fuel_types.id"), index=True)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("locations.id"), index=True)
    make_id: Mapped[str | None] = mapped_column(ForeignKey("makes.id"), index=True)
    install_date: Mapped[date | None] = mapped_column(Date)
    warranty_expiry: Mapped[date | None] = mapped_column(Date)
    cost_centre: Mapped[str | None] = mapped_column(String(100))
    custom_fields: Mapped[dict] = mapped_column(default=dict)

    def history(self, change: str) -> AssetChange:
        """This change's line of history (the use case adds it beside the event it records)."""
        what = " ".join(p for p in (self.brand, self.description) if p) or "Asset"
        if self.serial_number:
            what += f" (serial {self.serial_number})"
        return AssetChange(
            tenant_id=self.tenant_id,
            customer_id=self.customer_id,
            asset_id=self.id,
            work_address_id=self.work_address_id,
            change=change,
            summary=what[:500],
            occurred_at=utcnow(),
        )


class AssetChange(CustomerRecordKeys, Base):
    """One line of an asset's history: created, updated, moved (another work address or branch) or
    deleted; written in the transaction of the change, kept after the asset is deleted. The
    customer's timeline lists them. `summary` says which asset it was then (brand, description,
    serial number: no personal data)."""

    __tablename__ = "asset_changes"
    __table_args__ = (
        # the customer's timeline: a range scan (occurred_at, id)
        Index("ix_asset_changes_customer_timeline", "tenant_id", "customer_id", "occurred_at", "id"),
        Index("ix_asset_changes_asset", "tenant_id", "asset_id"),
    )

    asset_id: Mapped[str] = mapped_column(String(36))
    work_address_id: Mapped[str | None] = mapped_column(String(36))
    change: Mapped[str] = mapped_column(String(16))  # created | updated | moved | deleted
    summary: Mapped[str | None] = mapped_column(String(500))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- the read model of customers' records ----------------------------------------------------


class KnownCustomer(Base):
    __tablename__ = "known_customers"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_id", name="uq_known_customers_tenant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer, default=0)
    display_name: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str | None] = mapped_column(String(16))
    removed: Mapped[bool] = mapped_column(Boolean, default=False)  # deleted, erased away or merged
    merged_into: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class KnownWorkAddress(Base):
    __tablename__ = "known_work_addresses"
    __table_args__ = (
        UniqueConstraint("tenant_id", "work_address_id", name="uq_known_work_addresses_tenant_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    work_address_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str | None] = mapped_column(String(16))
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class KnownBranch(Base):
    __tablename__ = "known_branches"
    __table_args__ = (UniqueConstraint("tenant_id", "branch_id", name="uq_known_branches_tenant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    branch_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str | None] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(50))
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


CATALOGUE_MODELS = {
    "groups": AssetGroup,
    "fuel-types": FuelType,
    "makes": Make,
    "locations": Location,
    "models": AssetModel,
}
