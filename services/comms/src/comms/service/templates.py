"""Email templates per tenant; a template's placeholders are checked when it is saved."""

from __future__ import annotations

from fieldbook_shared.etag import check_version
from fieldbook_shared.problems import ValidationFailed

from ..domain.templates import placeholder_errors
from ..store.models import EmailTemplate
from ..uow import CommsUnitOfWork
from .named import save_named


def check_placeholders(**texts: str | None) -> None:
    """422 naming each text that uses a placeholder Fieldbook does not know (templates, emails and
    mass emails alike)."""
    errors = placeholder_errors(**texts)
    if errors:
        raise ValidationFailed(errors, detail="The text uses placeholders Fieldbook does not know.")


def list_templates(uow: CommsUnitOfWork, page: int, page_size: int) -> tuple[list[EmailTemplate], int]:
    with uow:
        return uow.templates.page(page, page_size)


def get_template(uow: CommsUnitOfWork, template_id: str) -> EmailTemplate:
    with uow:
        return uow.templates.get(template_id)


def save_template(
    uow: CommsUnitOfWork, data: dict, template_id: str | None = None, version: int | None = None
):
    with uow:
        if template_id is None:
            row = EmailTemplate(tenant_id=uow.tenant_id)
        else:
            row = uow.templates.get(template_id)
            if version is not None:
                check_version(row.version, version)
        for name in ("name", "subject", "body"):
            if name in data:
                setattr(row, name, data[name])
        check_placeholders(subject=row.subject, body=row.body)
        save_named(uow, uow.templates, row, "A template")
        uow.commit()
        return row


def delete_template(uow: CommsUnitOfWork, template_id: str) -> None:
    with uow:
        uow.session.delete(uow.templates.get(template_id))
        uow.commit()
