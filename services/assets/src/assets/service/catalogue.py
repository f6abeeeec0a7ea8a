"""The tenant's asset catalogue: groups, fuel types, makes, models, locations. Entries are the
tenant's settings (like customers' custom field definitions) and publish nothing."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from fieldbook_shared.db import utcnow
from fieldbook_shared.etag import at_version
from fieldbook_shared.problems import Conflict, ValidationFailed

from ..domain import rules
from ..store.models import CATALOGUE_MODELS, AssetModel
from ..store.queries import KIND_WORDS
from ..uow import AssetsUnitOfWork


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
        entry = at_version(uow.catalogue.get(kind, entry_id), expected_version)
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
        entry = at_version(uow.catalogue.get(kind, entry_id), expected_version)
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
