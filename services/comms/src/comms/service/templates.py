"""Email templates per tenant; a template's placeholders are checked when it is saved."""

from __future__ import annotations

from fieldbook_shared.problems import ValidationFailed

from ..domain.templates import placeholder_errors
from ..store.models import EmailTemplate
from .named import NamedRows


def check_placeholders(**texts: str | None) -> None:
    """422 naming each text that uses a placeholder Fieldbook does not know (templates, emails and
    mass emails alike)."""
    errors = placeholder_errors(**texts)
    if errors:
        raise ValidationFailed(errors, detail="The text uses placeholders Fieldbook does not know.")


def _fill(row: EmailTemplate, data: dict) -> None:
    for name in ("name", "subject", "body"):
        if name in data:
            setattr(row, name, data[name])
    check_placeholders(subject=row.subject, body=row.body)


TEMPLATES = NamedRows(EmailTemplate, lambda uow: uow.templates, "A template", _fill)
