"""Use cases of the assets service: one function per action, each taking a unit of work.

Every function that changes an asset publishes its event through the outbox in the same
transaction (`uow.publish`) and commits once. Catalogue entries are the tenant's settings (like
customers' custom field definitions) and publish nothing.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from fieldbook_shared.db import utcnow
from fieldbook_shared.etag import check_version
from fieldbook_shared.problems import Conflict, CustomerMerged, NotFound, ValidationFailed

from . import events
from .customers_client import CustomerLookup
from .domain import rules
from .store.models import (
    CATALOGUE_MODELS,
    Asset,
    AssetModel,
    KnownBranch,
    KnownCustomer,
    KnownWorkAddress,
)
from .store.queries import KIND_WORDS, AssetFilters
from .uow import AssetsUnitOfWork

# --- the catalogue ---------------------------------------------------------------------------


def list_entries(uow: AssetsUnitOfWork, kind: str, page: int, page_size: int) -> tuple[list, int]:
    with uow:
        return uow.catalogue.page(kind, page, page_size)


def get_entry(uow: AssetsUnitOfWork, kind: str, entry_id: str):
    with uow:
        return uow.catalogue.get(kind, entry_id)


def _check_unique_name(uow: AssetsUnitOfWork, kind: str, name: str, make_id=None, current=None) -> None:
    clash = uow.catalogue.by_name(kind, name, make_id)
    if clash is not None and clash is not current:
        where = " of this make" if kind == "models" else ""
        raise Conflict(
            f"There is already a {KIND_WORDS[kind]}{where} named {clash.name!r}.", existing_id=clash.id
        )


def _check_model_fields(uow: AssetsUnitOfWork, data: dict, current: AssetModel | None = None) -> None:
    if "make_id" in data and uow.catalogue.get("makes", data["make_id"], field="make_id") is None:
        raise ValidationFailed({"make_id": ["No make with that id in the catalogue."]})
    if "product_code" in data:
        clash = uow.catalogue.model_by_product_code(data["product_code"])
        if clash is not None and clash is not current:
            raise Conflict(
                f"Product code {clash.product_code!r} already belongs to the model {clash.name!r}.",
                existing_id=clash.id,
            )


def _apply_entry(entry, kind: str, data: dict) -> None:
    if "name" in data:
        entry.name = data["name"].strip()
        entry.name_key = rules.name_key(data["name"])
    if "description" in data:
        entry.description = rules.clean_text(data["description"])
    if kind == "models":
        if "make_id" in data:
            entry.make_id = data["make_id"]
        if "product_code" in data:
            entry.product_code = data["product_code"].strip()
            entry.product_code_key = rules.product_code_key(data["product_code"])
        if "product_class" in data:
            entry.product_class = rules.clean_text(data["product_class"])


def _flush_unique(uow: AssetsUnitOfWork, what: str) -> None:
    """Flush; a unique constraint that a concurrent writer won is a 409, like the checks before it."""
    try:
        uow.session.flush()
    except IntegrityError:
        uow.rollback()
        raise Conflict(f"{what} was taken by a change made at the same time. Read the list again.") from None


def _check_keys(data: dict) -> None:
    """The name's and the product code's keys fit their columns (422 naming the field)."""
    errors: dict[str, list[str]] = {}
    if data.get("name") is not None:
        errors.update(rules.key_errors("name", rules.name_key(data["name"]), rules.NAME_KEY_MAX))
    if data.get("product_code") is not None:
        key = rules.product_code_key(data["product_code"])
        errors.update(rules.key_errors("product_code", key, rules.PRODUCT_CODE_KEY_MAX))
    if errors:
        raise ValidationFailed(errors)


def create_entry(uow: AssetsUnitOfWork, kind: str, data: dict):
    with uow:
        if not rules.name_key(data["name"]):
            raise ValidationFailed({"name": ["Missing data for required field."]})
        _check_keys(data)
        if kind == "models":
            if not rules.product_code_key(data["product_code"]):
                raise ValidationFailed({"product_code": ["Missing data for required field."]})
            _check_model_fields(uow, data)
        _check_unique_name(uow, kind, data["name"], data.get("make_id"))
        entry = CATALOGUE_MODELS[kind](tenant_id=uow.tenant_id)
        _apply_entry(entry, kind, data)
        uow.catalogue.add(entry)
        _flush_unique(uow, "The name")
        uow.commit()
        return entry


def update_entry(
    uow: AssetsUnitOfWork, kind: str, entry_id: str, expected_version: int | None, changes: dict
):
    with uow:
        entry = uow.catalogue.get(kind, entry_id)
        if expected_version is not None:
            check_version(entry.version, expected_version)
        if "name" in changes and not rules.name_key(changes["name"]):
            raise ValidationFailed({"name": ["Missing data for required field."]})
        _check_keys(changes)
        if kind == "models":
            if "product_code" in changes and not rules.product_code_key(changes["product_code"]):
                raise ValidationFailed({"product_code": ["Missing data for required field."]})
            _check_model_fields(uow, changes, current=entry)
        if "name" in changes or "make_id" in changes:
            make_id = changes.get("make_id", getattr(entry, "make_id", None))
            _check_unique_name(uow, kind, changes.get("name", entry.name), make_id, current=entry)
        _apply_entry(entry, kind, changes)
        entry.updated_at = utcnow()
        _flush_unique(uow, "The name")
        uow.commit()
        return entry


def delete_entry(uow: AssetsUnitOfWork, kind: str, entry_id: str, expected_version: int | None) -> None:
    with uow:
        entry = uow.catalogue.get(kind, entry_id)
        if expected_version is not None:
            check_version(entry.version, expected_version)
        used = uow.assets.using(kind, entry.id)
        if used:
            raise Conflict(
                f"The {KIND_WORDS[kind]} {entry.name!r} is used by {used} asset(s). "
                "Change those assets first, or keep it."
            )
        if kind == "makes":
            models = uow.catalogue.models_of_make(entry.id)
            if models:
                raise Conflict(f"The make {entry.name!r} has {models} model(s). Delete or move them first.")
        uow.session.delete(entry)
        uow.commit()


def model_brand(uow: AssetsUnitOfWork, model: AssetModel) -> str | None:
    make = uow.catalogue.get("makes", model.make_id, field="make_id")
    return make.name if make is not None else None


def list_models(
    uow: AssetsUnitOfWork, make_id: str | None, page: int, page_size: int
) -> tuple[list[tuple[AssetModel, str | None]], int]:
    with uow:
        models, total = uow.catalogue.page("models", page, page_size, make_id)
        return [(m, model_brand(uow, m)) for m in models], total


def describe_model(uow: AssetsUnitOfWork, model: AssetModel) -> tuple[AssetModel, str | None]:
    with uow:
        return model, model_brand(uow, model)


# --- the read model of customers' records ----------------------------------------------------


def remember_customer(uow: AssetsUnitOfWork, data: dict) -> KnownCustomer:
    """Keep a customer snapshot unless the one held is as new or newer, or the customer is gone."""
    row = uow.directory.customer(data["id"])
    if row is None:
        row = KnownCustomer(tenant_id=uow.tenant_id, customer_id=data["id"], version=0, removed=False)
        uow.directory.add(row)
    if row.removed or int(data["version"]) <= (row.version or 0):
        return row
    row.version = int(data["version"])
    row.display_name = data.get("display_name")
    row.status = data.get("status")
    return row


def remember_work_address(uow: AssetsUnitOfWork, data: dict) -> KnownWorkAddress:
    row = uow.directory.work_address(data["id"])
    if row is None:
        row = KnownWorkAddress(
            tenant_id=uow.tenant_id,
            work_address_id=data["id"],
            customer_id=data["customer_id"],
            version=0,
            removed=False,
        )
        uow.directory.add(row)
    if row.removed or int(data["version"]) <= (row.version or 0):
        return row
    row.version = int(data["version"])
    row.customer_id = data["customer_id"]
    row.name = data.get("name")
    row.address = data.get("address") or {}
    row.status = data.get("status")
    return row


def remember_branch(uow: AssetsUnitOfWork, data: dict) -> KnownBranch:
    row = uow.directory.branch(data["id"])
    if row is None:
        row = KnownBranch(
            tenant_id=uow.tenant_id,
            branch_id=data["id"],
            customer_id=data["customer_id"],
            version=0,
            removed=False,
        )
        uow.directory.add(row)
    if row.removed or int(data["version"]) <= (row.version or 0):
        return row
    row.version = int(data["version"])
    row.customer_id = data["customer_id"]
    row.name = data.get("name")
    row.code = data.get("code")
    return row


def _remember_fetched(uow: AssetsUnitOfWork, remember, data: dict):
    """Store what was fetched; if an event stored the same record meanwhile, keep that one."""
    try:
        with uow.session.begin_nested():
            row = remember(uow, data)
            uow.session.flush()
        return row
    except IntegrityError:
        return remember(uow, data)


def _known_customer(uow: AssetsUnitOfWork, lookup: CustomerLookup | None, customer_id: str) -> KnownCustomer:
    """The customer from the read model, fetched once from customers when not yet heard of."""
    known = uow.directory.customer(customer_id)
    if known is None and lookup is not None:
        data = lookup.customer(uow.tenant_id, customer_id)
        if data is not None and str(data.get("id")) == customer_id:
            known = _remember_fetched(uow, remember_customer, data)
    if known is None or known.removed:
        if known is not None and known.merged_into:
            raise CustomerMerged(
                known.merged_into,
                f"That customer was merged into customer {known.merged_into}; its assets are there now.",
            )
        raise NotFound("No customer with that id.")
    return known


def _site_errors(
    uow: AssetsUnitOfWork,
    lookup: CustomerLookup | None,
    customer_id: str,
    work_address_id: str | None,
    branch_id: str | None,
) -> dict[str, list[str]]:
    errors = rules.site_errors(work_address_id, branch_id)
    if errors:
        return errors
    if work_address_id:
        wa = uow.directory.work_address(work_address_id)
        if (wa is None or wa.customer_id != customer_id) and lookup is not None:
            data = lookup.work_address(uow.tenant_id, customer_id, work_address_id)
            if data is not None:
                wa = _remember_fetched(uow, remember_work_address, data)
        if wa is None or wa.removed or wa.customer_id != customer_id:
            errors["work_address_id"] = ["Not a work address of this customer."]
    if branch_id:
        branch = uow.directory.branch(branch_id)
        if (branch is None or branch.customer_id != customer_id) and lookup is not None:
            data = lookup.branch(uow.tenant_id, customer_id, branch_id)
            if data is not None:
                branch = _remember_fetched(uow, remember_branch, data)
        if branch is None or branch.removed or branch.customer_id != customer_id:
            errors["branch_id"] = ["Not a branch of this customer."]
    return errors


# --- assets ----------------------------------------------------------------------------------

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
            _known_customer(uow, lookup, customer_id)
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
            _site_errors(
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
        _known_customer(uow, lookup, customer_id)
        asset = Asset(tenant_id=uow.tenant_id, customer_id=customer_id, custom_fields={})
        _apply_asset(uow, asset, {"serial_number": None, "technical_reference": None, **data}, lookup)
        uow.assets.add(asset)
        _flush_serial(uow, asset)
        uow.publish("asset.created", events.asset_snapshot(asset), subject=asset.id)
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
        asset = uow.assets.get(asset_id)
        check_version(asset.version, expected_version)
        _apply_asset(uow, asset, changes, lookup)
        asset.updated_at = utcnow()
        _flush_serial(uow, asset)
        uow.publish("asset.updated", events.asset_snapshot(asset), subject=asset.id)
        uow.commit()
        return asset


def delete_asset(uow: AssetsUnitOfWork, asset_id: str, expected_version: int | None) -> None:
    with uow:
        asset = uow.assets.get(asset_id)
        if expected_version is not None:
            check_version(asset.version, expected_version)
        _delete(uow, asset, reason="deleted")
        uow.commit()


def _delete(uow: AssetsUnitOfWork, asset: Asset, reason: str) -> None:
    data = {
        "id": asset.id,
        "customer_id": asset.customer_id,
        "serial_number": asset.serial_number,
        "reason": reason,
    }
    uow.session.delete(asset)
    uow.session.flush()
    uow.publish("asset.deleted", data, subject=data["id"])


# --- following customers' records (called by the event handlers) -----------------------------


def _move(uow: AssetsUnitOfWork, assets: list[Asset], **changes) -> None:
    for asset in assets:
        for name, value in changes.items():
            setattr(asset, name, value)
        asset.updated_at = utcnow()
        uow.session.flush()
        uow.publish("asset.updated", events.asset_snapshot(asset), subject=asset.id)


def _tombstone_customer(uow: AssetsUnitOfWork, customer_id: str) -> KnownCustomer:
    row = uow.directory.customer(customer_id)
    if row is None:
        row = KnownCustomer(tenant_id=uow.tenant_id, customer_id=customer_id, version=0)
        uow.directory.add(row)
    row.removed = True
    return row


def move_merged_customers_assets(uow: AssetsUnitOfWork, survivor_id: str, merged_id: str) -> int:
    """customer.merged: the merged customer's assets (and known sites) now belong to the survivor."""
    if survivor_id == merged_id:
        return 0
    assets = uow.assets.of_customer(merged_id)
    _move(uow, assets, customer_id=survivor_id)
    for site in (*uow.directory.work_addresses_of(merged_id), *uow.directory.branches_of(merged_id)):
        site.customer_id = survivor_id
    _tombstone_customer(uow, merged_id).merged_into = survivor_id
    return len(assets)


def delete_customers_assets(uow: AssetsUnitOfWork, customer_id: str) -> int:
    """customer.deleted: the customer's assets go with it; it is not heard of again."""
    assets = uow.assets.of_customer(customer_id)
    for asset in assets:
        _delete(uow, asset, reason="customer_deleted")
    for site in (*uow.directory.work_addresses_of(customer_id), *uow.directory.branches_of(customer_id)):
        site.removed = True
    _tombstone_customer(uow, customer_id)
    return len(assets)


def forget_customers_name(uow: AssetsUnitOfWork, customer_id: str) -> None:
    """customer.erased: the person is anonymised everywhere; the appliances stay on the property."""
    row = uow.directory.customer(customer_id)
    if row is not None:
        row.display_name = None


def move_merged_branchs_assets(
    uow: AssetsUnitOfWork, customer_id: str, survivor_id: str, merged_id: str
) -> int:
    """branch.merged: assets at the merged branch are now at the surviving one."""
    if survivor_id == merged_id:
        return 0
    assets = uow.assets.of_branch(merged_id)
    _move(uow, assets, branch_id=survivor_id)
    _branch_tombstone(uow, customer_id, merged_id).merged_into = survivor_id
    return len(assets)


def unlink_deleted_branchs_assets(uow: AssetsUnitOfWork, customer_id: str, branch_id: str) -> int:
    """branch.deleted: assets at the branch stay with the customer and stop naming it (one
    `asset.updated` each); the branch stays a tombstone, so a late snapshot cannot bring it back and
    an asset naming it is refused like an unknown branch. Heard again, it finds nothing to change."""
    assets = uow.assets.of_branch(branch_id)
    _move(uow, assets, branch_id=None)
    _branch_tombstone(uow, customer_id, branch_id)
    return len(assets)


def _branch_tombstone(uow: AssetsUnitOfWork, customer_id: str, branch_id: str) -> KnownBranch:
    """The branch's copy marked removed (made if we never heard of it), so a late snapshot cannot
    bring it back and an asset naming it is refused."""
    row = uow.directory.branch(branch_id)
    if row is None:
        row = KnownBranch(tenant_id=uow.tenant_id, branch_id=branch_id, customer_id=customer_id, version=0)
        uow.directory.add(row)
    row.removed = True
    return row
