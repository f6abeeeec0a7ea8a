"""Input refused the same way by every service, whatever the endpoint (found by fuzzing, issue 7).

- The NUL character: PostgreSQL text cannot hold U+0000, so a NUL anywhere in a query parameter, a
  form field or a JSON string would reach the database and fail there (a 500). Refused up front
  with a 422 that names the field.
- A body that is not JSON where the endpoint reads JSON: webargs would treat it as no body at all,
  so `text/plain` or XML sent to a PATCH quietly "succeeded" as an empty change. Refused with 415.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request

from .problems import DomainError, ValidationFailed

NUL = "\x00"
MESSAGE = "Must not contain the NUL character (U+0000)."


class UnsupportedMediaType(DomainError):
    status = 415


def nul_fields(value: Any, prefix: str = "") -> list[str]:
    """Dotted paths (`address.line_1`, `lines.0.description`) of the strings, and keys, holding a NUL."""
    found: list[str] = []
    if isinstance(value, str):
        if NUL in value:
            found.append(prefix or "_body")
    elif isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if NUL in str(key):
                found.append(path)
            else:
                found.extend(nul_fields(item, path))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(nul_fields(item, f"{prefix}.{index}" if prefix else str(index)))
    return found


def init_nul_refusal(app: Flask) -> None:
    @app.before_request
    def _refuse_nul():
        found: list[str] = []
        for key, value in request.args.items(multi=True):
            if NUL in key or NUL in value:
                found.append(key)
        if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            for key, value in request.form.items(multi=True):
                if NUL in key or NUL in value:
                    found.append(key)
        elif request.is_json:
            found.extend(nul_fields(request.get_json(silent=True)))
        if found:
            raise ValidationFailed({name: [MESSAGE] for name in dict.fromkeys(found)})
        return None


def _reads_json_body() -> bool:
    """Whether the matched Flask-Smorest view declares `@blp.arguments(...)` in the JSON body."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    func = getattr(view_class, request.method.lower(), None) if view_class is not None else view
    arguments = (getattr(func, "_apidoc", None) or {}).get("arguments", {})
    return any(p.get("in") == "json" for p in arguments.get("parameters", []))


def init_json_bodies(app: Flask) -> None:
    @app.before_request
    def _json_only():
        if request.method not in ("POST", "PUT", "PATCH") or request.is_json:
            return None
        has_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "")
        if has_body and _reads_json_body():
            raise UnsupportedMediaType(
                f"Send the body as application/json (it came as {request.mimetype or 'no content type'})."
            )
        return None
