"""Use cases of the tenant's own settings: custom fields and customer types."""

from __future__ import annotations

from fieldbook_shared.problems import Conflict, ValidationFailed

from ..domain import rules
from ..store.models import CustomerType, CustomFieldDefinition
from ..uow import CustomersUnitOfWork


def list_custom_fields(uow: CustomersUnitOfWork) -> list[CustomFieldDefinition]:
    with uow:
        return uow.settings.custom_fields()


def define_custom_field(uow: CustomersUnitOfWork, data: dict) -> CustomFieldDefinition:
    with uow:
        if any(d.key == data["key"] for d in uow.settings.custom_fields()):
            raise Conflict(f"A custom field with key {data['key']!r} already exists.")
        if data["field_type"] == "choice" and not data.get("choices"):
            raise ValidationFailed({"choices": ["A choice field needs at least one choice."]})
        definition = CustomFieldDefinition(
            tenant_id=uow.tenant_id,
            key=data["key"],
            label=data["label"],
            field_type=data["field_type"],
            choices=data.get("choices") or [],
            required=data.get("required", False),
        )
        uow.settings.add(definition)
        uow.commit()
        return definition


def remove_custom_field(uow: CustomersUnitOfWork, key: str) -> None:
    with uow:
        uow.session.delete(uow.settings.custom_field(key))
        uow.commit()


def list_customer_types(uow: CustomersUnitOfWork) -> list[dict]:
    with uow:
        builtin = [
            {
                "name": name,
                "label": spec["label"],
                "required_fields": spec["required_fields"],
                "builtin": True,
            }
            for name, spec in rules.BUILTIN_TYPES.items()
        ]
        own = [
            {"name": t.name, "label": t.label, "required_fields": list(t.required_fields), "builtin": False}
            for t in uow.settings.customer_types()
        ]
        return builtin + own


def define_customer_type(uow: CustomersUnitOfWork, data: dict) -> dict:
    with uow:
        if data["name"] in rules.BUILTIN_TYPES or uow.settings.customer_type(data["name"]) is not None:
            raise Conflict(f"A customer type named {data['name']!r} already exists.")
        row = CustomerType(
            tenant_id=uow.tenant_id,
            name=data["name"],
            label=data["label"],
            required_fields=data["required_fields"],
        )
        uow.settings.add(row)
        uow.commit()
        return {
            "name": row.name,
            "label": row.label,
            "required_fields": row.required_fields,
            "builtin": False,
        }
