"""A customer's assets: list, add, read, edit, delete, each publishing its event through the outbox
in the same transaction; and what becomes of them when customers' records merge or go (called by
the event handlers)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from fieldbook_shared.db import utcnow
from fieldbook_shared.etag import at_version
from fieldbook_shared.problems import Conflict, ValidationFailed

from ..customers_client import CustomerLookup
from ..domain import rules
from ..store.models import Asset
from ..store.queries import KIND_WORDS, AssetFilters
from ..uow import AssetsUnitOfWork
from .catalogue import model_brand
from .customers import branch_tombstone, known_customer, site_errors, tombstone_customer

CATALOGUE_REFS = {
    "asset_group_id": "groups",
    "fuel_type_id": "fuel-types",
    "location_id": "locations",
    "make_id": "makes",
}
TEXT_FIELDS = ("technical_reference", "brand", "description", "product_class", "cost_centre")


def list_assets(
    uow: AssetsUnitOfWork,
    lookup: CustomerLookup | None,
    customer_id: str,
    filters: AssetFilters,
    page: int,
    page_size: int,
) -> tuple[list[Asset], int]:
    with uow:
        items, total = uow.assets.page(customer_id, filters, page, page_size)
        if not total:  # an empty list must still be a customer of this tenant's
            known_customer(uow, lookup, customer_id)
            uow.commit()  # keep what the lookup learned
        return items, total


def get_asset(uow: AssetsUnitOfWork, asset_id: str) -> Asset:
    with uow:
        return uow.assets.get(asset_id)


def _apply_asset(uow: AssetsUnitOfWork, asset: Asset, data: dict, lookup: CustomerLookup | None) -> None:
    """Validate and set the fields given in `data` (create: all; PATCH: the ones sent); 422 on errors."""
    errors: dict[str, list[str]] = {}
    for field, kind in CATALOGUE_REFS.items():
        if data.get(field) is not None and uow.catalogue.get(kind, data[field], field=field) is None:
            errors[field] = [f"No {KIND_WORDS[kind]} with that id in the catalogue."]

    values = dict(data)
    for name in (*TEXT_FIELDS, "serial_number", "product_code"):
        if name in values:
            values[name] = rules.clean_text(values[name])

    errors.update(_apply_product_code(uow, asset, values))

    if "work_address_id" in values or "branch_id" in values:
        errors.update(
            site_errors(
                uow,
                lookup,
                asset.customer_id,
                values.get("work_address_id", asset.work_address_id),
                values.get("branch_id", asset.branch_id),
            )
        )
    if values.get("serial_number") is not None:
        key = rules.serial_key(values["serial_number"])
        errors.update(rules.key_errors("serial_number", key, rules.SERIAL_KEY_MAX))
    if "custom_fields" in values:
        errors.update(rules.custom_field_errors(values["custom_fields"]))
    errors.update(
        rules.date_errors(
            values.get("install_date", asset.install_date),
            values.get("warranty_expiry", asset.warranty_expiry),
        )
    )
    errors.update(
        rules.identity_errors(
            values.get("serial_number", asset.serial_number),
            values.get("technical_reference", asset.technical_reference),
        )
    )
    if errors:
        raise ValidationFailed(errors)

    # every check is done before the asset changes, so nothing half-edited is ever flushed
    for name in (
        *TEXT_FIELDS,
        *CATALOGUE_REFS,
        "product_code",
        "model_id",
        "work_address_id",
        "branch_id",
        "install_date",
        "warranty_expiry",
    ):
        if name in values:
            setattr(asset, name, values[name])
    if "custom_fields" in values:
        asset.custom_fields = dict(values["custom_fields"] or {})
    if "serial_number" in values:
        new_key = rules.serial_key(values["serial_number"])
        if new_key and new_key != asset.serial_key:
            _check_serial_free(uow, values["serial_number"])
        asset.serial_number = values["serial_number"]
        asset.serial_key = new_key


def _apply_product_code(uow: AssetsUnitOfWork, asset: Asset, values: dict) -> dict[str, list[str]]:
    """The model a product code names (its id, code as catalogued, and what it fills in) into
    `values`; the errors of a code not in the catalogue or of a make other than its model's."""
    errors: dict[str, list[str]] = {}
    if "product_code" in values:
        code = values["product_code"]
        if code is None:
            values["model_id"] = None
        else:
            model = uow.catalogue.model_by_product_code(code)
            if model is None:
                errors["product_code"] = ["No model with this product code in the catalogue."]
            else:
                values["product_code"] = model.product_code
                values["model_id"] = model.id
                if values.get("make_id") is not None and values["make_id"] != model.make_id:
                    errors["make_id"] = ["The product code belongs to a model of another make."]
                fill = rules.model_fill(
                    {
                        "brand": model_brand(uow, model),
                        "description": model.description,
                        "product_class": model.product_class,
                        "make_id": model.make_id,
                    },
                    values,
                )
                values.update(fill)
    elif values.get("make_id") is not None and asset.model_id is not None:
        # the asset keeps its product code: a make is still the code's model's make
        model = uow.catalogue.get("models", asset.model_id, field="product_code")
        if model is not None and values["make_id"] != model.make_id:
            errors["make_id"] = ["The product code belongs to a model of another make."]
    return errors


def _check_serial_free(uow: AssetsUnitOfWork, serial_number: str) -> None:
    with uow.session.no_autoflush:
        owner = uow.assets.by_serial(serial_number)
        if owner is None:
            return
        customer = uow.directory.customer(owner.customer_id)
    name = customer.display_name if customer is not None and customer.display_name else None
    who = f"customer {name} ({owner.customer_id})" if name else f"customer {owner.customer_id}"
    raise Conflict(
        f"Serial number {owner.serial_number!r} is already on an asset of {who}.",
        owner_customer_id=owner.customer_id,
        owner_customer_name=name,
        asset_id=owner.id,
    )


def _flush_serial(uow: AssetsUnitOfWork, asset: Asset) -> None:
    try:
        uow.session.flush()
    except IntegrityError:  # another request took the serial number between our check and now
        uow.rollback()
        raise Conflict(
            f"Serial number {asset.serial_number!r} was just put on another asset. Read the assets again."
        ) from None


def create_asset(uow: AssetsUnitOfWork, lookup: CustomerLookup | None, customer_id: str, data: dict) -> Asset:
    with uow:
        known_customer(uow, lookup, customer_id)
        asset = Asset(tenant_id=uow.tenant_id, customer_id=customer_id, custom_fields={})
        _apply_asset(uow, asset, {"serial_number": None, "technical_reference": None, **data}, lookup)
        uow.assets.add(asset)
        _flush_serial(uow, asset)
        _changed(uow, asset, "created", "asset.created")
        uow.commit()
        return asset


def update_asset(
    uow: AssetsUnitOfWork,
    lookup: CustomerLookup | None,
    asset_id: str,
    expected_version: int,
    changes: dict,
) -> Asset:
    with uow:
        asset = at_version(uow.assets.get(asset_id), expected_version)
        site = (asset.work_address_id, asset.branch_id)
        _apply_asset(uow, asset, changes, lookup)
        asset.updated_at = utcnow()
        _flush_serial(uow, asset)
        moved = (asset.work_address_id, asset.branch_id) != site
        _changed(uow, asset, "moved" if moved else "updated", "asset.updated")
        uow.commit()
        return asset


def delete_asset(uow: AssetsUnitOfWork, asset_id: str, expected_version: int | None) -> None:
    with uow:
        asset = at_version(uow.assets.get(asset_id), expected_version)
        _delete(uow, asset, reason="deleted")
        uow.commit()


def _delete(uow: AssetsUnitOfWork, asset: Asset, reason: str) -> None:
    """`reason`: "deleted" (someone deleted it) or "customer_deleted" (it went with its customer)."""
    _changed(uow, asset, "deleted", "asset.deleted", reason=reason)
    uow.session.delete(asset)
    uow.session.flush()


# --- following customers' records (called by the event handlers) -----------------------------


def _changed(uow: AssetsUnitOfWork, asset: Asset, change: str, event_type: str, **extra) -> None:
    """The asset's event and its line of history (the customer's timeline), in one transaction."""
    asset.record(event_type, **extra)
    uow.session.add(asset.history(change))


def _move(uow: AssetsUnitOfWork, assets: list[Asset], **changes) -> None:
    for asset in assets:
        for name, value in changes.items():
            setattr(asset, name, value)
        asset.updated_at = utcnow()
        _changed(uow, asset, "moved", "asset.updated")


def move_merged_customers_assets(uow: AssetsUnitOfWork, survivor_id: str, merged_id: str) -> int:
    """customer.merged: the merged customer's assets (and known sites) now belong to the survivor."""
    if survivor_id == merged_id:
        return 0
    assets = uow.assets.of_customer(merged_id)
    uow.assets.move_history(merged_id, survivor_id)  # its past goes with it: the survivor's timeline
    _move(uow, assets, customer_id=survivor_id)
    for site in (*uow.directory.work_addresses_of(merged_id), *uow.directory.branches_of(merged_id)):
        site.customer_id = survivor_id
    tombstone_customer(uow, merged_id).merged_into = survivor_id
    return len(assets)


def delete_customers_assets(uow: AssetsUnitOfWork, customer_id: str) -> int:
    """customer.deleted: the customer's assets go with it; it is not heard of again."""
    assets = uow.assets.of_customer(customer_id)
    for asset in assets:
        _delete(uow, asset, reason="customer_deleted")
    uow.assets.delete_history(customer_id)
    for site in (*uow.directory.work_addresses_of(customer_id), *uow.directory.branches_of(customer_id)):
        site.removed = True
    tombstone_customer(uow, customer_id)
    return len(assets)


def move_merged_branchs_assets(
    uow: AssetsUnitOfWork, customer_id: str, survivor_id: str, merged_id: str
) -> int:
    """branch.merged: assets at the merged branch are now at the surviving one."""
    if survivor_id == merged_id:
        return 0
    assets = uow.assets.of_branch(merged_id)
    _move(uow, assets, branch_id=survivor_id)
    branch_tombstone(uow, customer_id, merged_id).merged_into = survivor_id
    return len(assets)


def unlink_deleted_branchs_assets(uow: AssetsUnitOfWork, customer_id: str, branch_id: str) -> int:
    """branch.deleted: assets at the branch stay with the customer and stop naming it (one
    `asset.updated` each); the branch stays a tombstone, so a late snapshot cannot bring it back and
    an asset naming it is refused like an unknown branch. Heard again, it finds nothing to change."""
    assets = uow.assets.of_branch(branch_id)
    _move(uow, assets, branch_id=None)
    branch_tombstone(uow, customer_id, branch_id)
    return len(assets)
