"""Reading an email request: JSON (attachments base64 inside) or multipart/form-data (an `email`
part holding the JSON without attachments, and one `attachments` file part per file)."""

from __future__ import annotations

import json

from flask import request
from marshmallow import Schema, ValidationError

from fieldbook_shared.inputs import refused_text_fields
from fieldbook_shared.problems import ValidationFailed, flatten_errors
from fieldbook_shared.web import state

from ..domain.messages import has_line_break
from ..service import emails as service

MAX_NAME = 255  # attachments.filename and attachments.content_type


def _limit() -> int:
    return int(state().settings.max_attachments_bytes)


def check_files(files: list[service.NewAttachment]) -> None:
    """A file part's name and type go into the message's headers and their columns: one line each,
    at most 255 characters."""
    errors: dict[str, list[str]] = {}
    for i, f in enumerate(files):
        for name, value in (("filename", f.filename), ("content_type", f.content_type)):
            if has_line_break(value):
                errors.setdefault(f"attachments.{i}.{name}", []).append("Must be one line (no line breaks).")
            if len(value) > MAX_NAME:
                errors.setdefault(f"attachments.{i}.{name}", []).append(f"Longer than {MAX_NAME} characters.")
    if errors:
        raise ValidationFailed(errors)


def load_mail_request(schema: Schema) -> tuple[dict, list[service.NewAttachment]]:
    if request.mimetype == "multipart/form-data":
        raw = request.form.get("email")
        if raw is None:
            raise ValidationFailed({"email": ["A multipart request needs an `email` part with the JSON."]})
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):  # also a 5,000-digit number, nesting past the parser
            raise ValidationFailed({"email": ["Not valid JSON."]}) from None
        refused = refused_text_fields(body)  # the kit's NUL / unpaired surrogate rule, in this part too
        if refused:
            raise ValidationFailed({f"email.{path}": [why] for path, why in refused.items()})
        files = [
            service.NewAttachment(
                f.filename or "attachment", f.mimetype or "application/octet-stream", f.read()
            )
            for f in request.files.getlist("attachments")
        ]
        check_files(files)
    else:
        body = request.get_json(silent=True)
        files = []
    if not isinstance(body, dict):
        raise ValidationFailed({"_schema": ["Send a JSON object."]})
    try:
        data = schema.load(body)
    except ValidationError as exc:
        raise ValidationFailed(flatten_errors(exc.messages)) from None
    attachments = service.decode_attachments(data.pop("attachments", []), _limit()) + files
    service.check_attachment_size(attachments, _limit())
    return data, attachments


def request_body_doc(schema: type[Schema]) -> dict:
    """OpenAPI for a body that may be JSON or multipart (the schema is resolved by apispec)."""
    name = schema.__name__.removesuffix("Schema")
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schema},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "email": {
                                "type": "string",
                                "description": f"{name} as JSON, without attachments",
                            },
                            "attachments": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        },
                        "required": ["email"],
                    }
                },
            },
        }
    }
