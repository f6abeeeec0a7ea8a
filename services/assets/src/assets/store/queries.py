"""Tenant-scoped repositories: the catalogue, assets (with their filters), and the read model."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from fieldbook_shared.db import page_of
from fieldbook_shared.problems import NotFound
from fieldbook_shared.uow import Repository

from ..domain.rules import name_key, product_code_key, serial_key
from .models import (
    CATALOGUE_MODELS,
    Asset,
    AssetChange,
    AssetModel,
    KnownBranch,
    KnownCustomer,
    KnownWorkAddress,
)

KIND_WORDS = {
    "groups": "asset group",
    "fuel-types": "fuel type",
    "makes": "make",
    "models": "model",
    "locations": "location",
}


class Catalogue(Repository):
    """One tenant's catalogue: asset groups, fuel types, makes, models, locations."""

    def get(self, kind: str, entry_id: str, *, field: str | None = None):
        """The entry; NotFound (404), or when `field` names a request field, None for the caller."""
        model = CATALOGUE_MODELS[kind]
        entry = self.session.scalar(
            select(model).where(model.id == str(entry_id), model.tenant_id == self.tenant_id)
        )
        if entry is None and field is None:
            raise NotFound(f"No {KIND_WORDS[kind]} with that id.")
        return entry

    def page(self, kind: str, page: int, page_size: int, make_id: str | None = None) -> tuple[list, int]:
        """One page of a catalogue list by name, and how many entries it has."""
        model = CATALOGUE_MODELS[kind]
        stmt = select(model).where(model.tenant_id == self.tenant_id)
        if make_id is not None and kind == "models":
            stmt = stmt.where(AssetModel.make_id == make_id)
        return page_of(self.session, stmt.order_by(model.name_key, model.id), page, page_size)

    def by_name(self, kind: str, name: str, make_id: str | None = None):
        model = CATALOGUE_MODELS[kind]
        stmt = select(model).where(model.tenant_id == self.tenant_id, model.name_key == name_key(name))
        if kind == "models":
            stmt = stmt.where(AssetModel.make_id == make_id)
        return self.session.scalar(stmt)

    def model_by_product_code(self, product_code: str) -> AssetModel | None:
        return self.session.scalar(
            select(AssetModel).where(
                AssetModel.tenant_id == self.tenant_id,
                AssetModel.product_code_key == product_code_key(product_code),
            )
        )

    def models_of_make(self, make_id: str) -> int:
        return self.session.scalar(
            select(func.count())
            .select_from(AssetModel)
            .where(AssetModel.tenant_id == self.tenant_id, AssetModel.make_id == make_id)
        )


@dataclass
class AssetFilters:
    asset_group_id: str | None = None
    fuel_type_id: str | None = None
    location_id: str | None = None
    make_id: str | None = None
    work_address_id: str | None = None
    branch_id: str | None = None
    serial_number: str | None = None


USAGE_COLUMNS = {
    "groups": Asset.asset_group_id,
    "fuel-types": Asset.fuel_type_id,
    "locations": Asset.location_id,
    "makes": Asset.make_id,
    "models": Asset.model_id,
}


class Assets(Repository):
    def get(self, asset_id: str) -> Asset:
        asset = self.find(asset_id)
        if asset is None:
            raise NotFound("No asset with that id.")
        return asset

    def find(self, asset_id: str) -> Asset | None:
        return self.session.scalar(
            select(Asset).where(Asset.id == str(asset_id), Asset.tenant_id == self.tenant_id)
        )

    def by_serial(self, serial_number: str) -> Asset | None:
        return self.session.scalar(
            select(Asset).where(
                Asset.tenant_id == self.tenant_id, Asset.serial_key == serial_key(serial_number)
            )
        )

    def page(
        self, customer_id: str, filters: AssetFilters, page: int, page_size: int
    ) -> tuple[list[Asset], int]:
        """A customer's assets, latest first, narrowed by every filter given."""
        stmt = select(Asset).where(Asset.tenant_id == self.tenant_id, Asset.customer_id == str(customer_id))
        for name in (
            "asset_group_id",
            "fuel_type_id",
            "location_id",
            "make_id",
            "work_address_id",
            "branch_id",
        ):
            value = getattr(filters, name)
            if value is not None:
                stmt = stmt.where(getattr(Asset, name) == str(value))
        if filters.serial_number:
            stmt = stmt.where(Asset.serial_key == serial_key(filters.serial_number))
        return page_of(self.session, stmt.order_by(Asset.created_at.desc(), Asset.id.desc()), page, page_size)

    def of_customer(self, customer_id: str) -> list[Asset]:
        return self._listed(Asset.customer_id == str(customer_id))

    def of_branch(self, branch_id: str) -> list[Asset]:
        return self._listed(Asset.branch_id == str(branch_id))

    def _listed(self, *where) -> list[Asset]:
        return list(self.session.scalars(self.select(Asset, *where).order_by(Asset.created_at, Asset.id)))

    def using(self, kind: str, entry_id: str) -> int:
        """How many assets refer to a catalogue entry."""
        column = USAGE_COLUMNS[kind]
        return self.session.scalar(
            select(func.count())
            .select_from(Asset)
            .where(Asset.tenant_id == self.tenant_id, column == entry_id)
        )

    def move_history(self, from_customer: str, to_customer: str) -> None:
        """A merged customer's asset history, now the survivor's."""
        self.session.execute(
            update(AssetChange)
            .where(AssetChange.tenant_id == self.tenant_id, AssetChange.customer_id == from_customer)
            .values(customer_id=to_customer)
        )

    def delete_history(self, customer_id: str) -> None:
        """A deleted customer's asset history goes with its assets."""
        self.session.execute(
            delete(AssetChange).where(
                AssetChange.tenant_id == self.tenant_id, AssetChange.customer_id == customer_id
            )
        )


class Directory(Repository):
    """The read model of customers' records: who and where an asset may be put."""

    def customer(self, customer_id: str) -> KnownCustomer | None:
        return self.session.scalar(
            select(KnownCustomer).where(
                KnownCustomer.tenant_id == self.tenant_id, KnownCustomer.customer_id == str(customer_id)
            )
        )

    def work_address(self, work_address_id: str) -> KnownWorkAddress | None:
        return self.session.scalar(
            select(KnownWorkAddress).where(
                KnownWorkAddress.tenant_id == self.tenant_id,
                KnownWorkAddress.work_address_id == str(work_address_id),
            )
        )

    def branch(self, branch_id: str) -> KnownBranch | None:
        return self.session.scalar(
            select(KnownBranch).where(
                KnownBranch.tenant_id == self.tenant_id, KnownBranch.branch_id == str(branch_id)
            )
        )

    def work_addresses_of(self, customer_id: str) -> list[KnownWorkAddress]:
        return list(
            self.session.scalars(
                select(KnownWorkAddress).where(
                    KnownWorkAddress.tenant_id == self.tenant_id, KnownWorkAddress.customer_id == customer_id
                )
            )
        )

    def branches_of(self, customer_id: str) -> list[KnownBranch]:
        return list(
            self.session.scalars(
                select(KnownBranch).where(
                    KnownBranch.tenant_id == self.tenant_id, KnownBranch.customer_id == customer_id
                )
            )
        )
