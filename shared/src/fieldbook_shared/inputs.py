"""Input refused the same way by every service, whatever the endpoint (found by fuzzing, issue 7).

- The NUL character: PostgreSQL text cannot hold U+0000, so a NUL anywhere in a query parameter, a
  form field or a JSON string would reach the database and fail there (a 500). Refused up front
  with a 422 that names the field.
- An unpaired surrogate (a JSON escape such as "\\udfff" with no partner): no UTF-8 text can hold
  it, so it failed wherever it was written (a 500). Refused like the NUL, with a 422 naming the field.
- A JSON body that cannot be read: besides plain syntax errors, Python's parser raises a
  ValueError webargs does not expect for a number of more than 4,300 digits, and a RecursionError
  for arrays or objects nested a few thousand deep (both were 500s). The kit reads every JSON body
  once, before the view, and refuses what it cannot read, or what is nested more than
  `MAX_JSON_DEPTH` deep, with a 422 `{"json": ["Invalid JSON: ..."]}`.
- A body that is not JSON where the endpoint reads JSON: webargs would treat it as no body at all,
  so `text/plain` or XML sent to a PATCH quietly "succeeded" as an empty change. Refused with 415.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, current_app, request

from .problems import DomainError, ValidationFailed

NUL = "\x00"
MESSAGE = "Must not contain the NUL character (U+0000)."
SURROGATE_MESSAGE = "Must not contain an unpaired surrogate (U+D800 to U+DFFF); text must be valid Unicode."
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_JSON_DEPTH = 100  # far deeper than any body a Fieldbook endpoint takes


class UnsupportedMediaType(DomainError):
    status = 415


def _text_problem(text: str) -> str | None:
    if NUL in text:
        return MESSAGE
    if _SURROGATE.search(text):
        return SURROGATE_MESSAGE
    return None


def refused_text_fields(value: Any) -> dict[str, str]:
    """{dotted path (`address.line_1`, `lines.0.description`): why} for the strings, and keys, that
    hold a NUL or an unpaired surrogate. Walks without recursion, so any depth is safe."""
    found: dict[str, str] = {}
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        prefix, item = stack.pop()
        if isinstance(item, str):
            problem = _text_problem(item)
            if problem:
                found[prefix or "_body"] = problem
        elif isinstance(item, dict):
            for key, child in item.items():
                path = f"{prefix}.{key}" if prefix else str(key)
                problem = _text_problem(str(key))
                if problem:
                    found[path] = problem
                else:
                    stack.append((path, child))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                stack.append((f"{prefix}.{index}" if prefix else str(index), child))
    return dict(sorted(found.items()))


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar is 0)."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in item)
    return deepest


def _invalid_json(reason: str) -> ValidationFailed:
    return ValidationFailed(
        {"json": [f"Invalid JSON: {reason}"]}, detail="The request body is not valid JSON."
    )


def read_json_body() -> Any:
    """The request's JSON body, parsed once for the whole kit; None when there is none. Raises
    ValidationFailed (422) for a body that cannot be read or is nested too deep."""
    data = request.get_data(cache=True)
    if not data:
        return None
    try:
        body = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _invalid_json("the body is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise _invalid_json(f"{exc.msg} at line {exc.lineno} column {exc.colno}.") from None
    except RecursionError:
        raise _invalid_json(f"arrays or objects are nested more than {MAX_JSON_DEPTH} levels deep.") from None
    except ValueError:  # Python refuses integers of more than 4,300 digits
        raise _invalid_json("a number has too many digits.") from None
    if _depth(body) > MAX_JSON_DEPTH:
        raise _invalid_json(f"arrays or objects are nested more than {MAX_JSON_DEPTH} levels deep.")
    return body


def init_nul_refusal(app: Flask) -> None:
    """Refuse NUL characters and unpaired surrogates anywhere in the input, and unreadable JSON."""

    @app.before_request
    def _refuse_nul():
        found: dict[str, str] = {}
        for key, value in request.args.items(multi=True):
            problem = _text_problem(key) or _text_problem(value)
            if problem:
                found.setdefault(key, problem)
        if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            for key, value in request.form.items(multi=True):
                problem = _text_problem(key) or _text_problem(value)
                if problem:
                    found.setdefault(key, problem)
        elif request.is_json and request.method in ("POST", "PUT", "PATCH"):  # a GET's body is not read
            for path, problem in refused_text_fields(read_json_body()).items():
                found.setdefault(path, problem)
        if found:
            raise ValidationFailed({name: [problem] for name, problem in found.items()})
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
