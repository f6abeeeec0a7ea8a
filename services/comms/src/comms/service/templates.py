"""Email templates per tenant; a template's placeholders are checked when it is saved."""

from __future__ import annotations

from fieldbook_shared.problems import ValidationFailed

from ..domain.templates import placeholder_errors
from ..store.models import EmailTemplate
from ..uow import CommsUnitOfWork
from .named import NamedRows

TEMPLATES = NamedRows(EmailTemplate, lambda uow: uow.templates, "A template")
list_templates = TEMPLATES.page
get_template = TEMPLATES.get
delete_template = TEMPLATES.delete


def check_placeholders(**texts: str | None) -> None:
    """422 naming each text that uses a placeholder Fieldbook does not know (templates, emails and
    mass emails alike)."""
    errors = placeholder_errors(**texts)
    if errors:
        raise ValidationFailed(errors, detail="The text uses placeholders Fieldbook does not know.")


def save_template(
    uow: CommsUnitOfWork, data: dict, template_id: str | None = None, version: int | None = None
) -> EmailTemplate:
    def change(row: EmailTemplate) -> None:
        for name in ("name", "subject", "body"):
            if name in data:
                setattr(row, name, data[name])
        check_placeholders(subject=row.subject, body=row.body)

    return TEMPLATES.save(uow, template_id, version, change)
