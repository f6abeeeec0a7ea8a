"""Problem details (RFC 9457) for every error path, and the domain errors that map to them.

Domain code raises `NotFound`, `Conflict`, ...; `register_error_handlers(app)` turns each into an
`application/problem+json` response. Nothing else ever reaches a client: an unexpected exception
is logged with its traceback and answered with a plain 500. A constraint the database refused
(`IntegrityError`) is answered without its SQL: a duplicate or a broken reference is a 409, a
missing required value or a failed CHECK a 422, naming the fields and constraint where known.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g
from marshmallow import INCLUDE, Schema, fields
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("fieldbook.errors")

_TITLES = {
    400: "Bad request",
    401: "Unauthorised",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    412: "Precondition failed",
    413: "Request body too large",
    414: "URL too long",
    415: "Unsupported media type",
    422: "Validation failed",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


class ProblemSchema(Schema):
    """What every error answers, as `application/problem+json` (the OpenAPI component `Problem`).

    Some problems carry more members (`current_etag` on a 412, `max_bytes` on a 413, `constraint`,
    `allowed_roles`, `merged_into` …): the schema lets them through (additionalProperties).
    """

    class Meta:
        unknown = INCLUDE

    type = fields.String(
        required=True,
        metadata={
            "description": "A URI naming the kind of problem.",
            "example": "https://fieldbook.dev/problems/404",
        },
    )
    title = fields.String(
        required=True, metadata={"description": "Short, the same for every problem of this type."}
    )
    status = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    detail = fields.String(metadata={"description": "What went wrong this time, for a person."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "On a 422 (and some 409s): field (dotted path) → its messages."},
    )
    request_id = fields.String(metadata={"description": "Quote it when asking support about this answer."})


def problem_body(status: int, title: str | None = None, detail: str | None = None, **extra: Any) -> dict:
    body: dict[str, Any] = {
        "type": extra.pop("type", None) or f"https://fieldbook.dev/problems/{status}",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem_response(
    status: int,
    title: str | None = None,
    detail: str | None = None,
    headers: dict | None = None,
    **extra: Any,
) -> Response:
    """A ready `application/problem+json` response; usable outside a request's error handler."""
    body = problem_body(status, title, detail, **extra)
    try:
        request_id = g.get("request_id")
    except RuntimeError:  # outside an app context
        request_id = None
    if request_id and "request_id" not in body:
        body["request_id"] = request_id
    resp = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


class DomainError(Exception):
    """A rule refusal a person can act on. Subclasses pick the status."""

    status = 400
    title: str | None = None

    def __init__(self, detail: str, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Gone(DomainError):
    status = 410


CUSTOMER_MERGED_TYPE = "https://fieldbook.dev/problems/customer-merged"


class CustomerMerged(Gone):
    """A customer merged into another, asked for by its old id: every service answers the same,
    410 Gone with the survivor's id in `merged_into`, for reads and writes alike. The records that
    hung off the old id now live on the survivor; a client re-reads them there."""

    title = "Customer merged"

    def __init__(self, merged_into: str, detail: str | None = None):
        super().__init__(
            detail or "This customer was merged into another customer; use the survivor's id (merged_into).",
            type=CUSTOMER_MERGED_TYPE,
            merged_into=merged_into,
        )
        self.merged_into = merged_into


def raise_for_merged_customer(response: Any) -> None:
    """Pass the rule on: when another service's answer (a `requests.Response`) is the merged-customer
    410 naming `merged_into`, raise this service's own `CustomerMerged`, rather than take the 410
    for "no such customer". Any other answer is left to the caller."""
    if response.status_code != 410:
        return
    try:
        body = response.json()
    except ValueError:
        return
    survivor = body.get("merged_into") if isinstance(body, dict) else None
    if isinstance(survivor, str) and re.fullmatch(r"[0-9a-fA-F-]{36}", survivor):
        raise CustomerMerged(survivor.lower())


class PreconditionFailed(DomainError):
    status = 412


class PreconditionRequired(DomainError):
    status = 428


class Unauthorised(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class ValidationFailed(DomainError):
    """422 with `errors` {field: [messages]} — for rules a schema cannot express."""

    status = 422

    def __init__(self, errors: dict[str, list[str]], detail: str = "The request has invalid fields."):
        super().__init__(detail, errors=errors)


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages → {"address.postcode": ["..."]}; webargs' location level dropped."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, (dict,)):
                out.update(flatten_errors(value, name))
            elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                out[name] = list(value)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    out.update(flatten_errors(item, f"{name}.{i}"))
            else:
                out[name] = [str(value)]
    elif isinstance(messages, list):
        out[prefix or "_schema"] = [str(m) for m in messages]
    else:
        out[prefix or "_schema"] = [str(messages)]
    return out


_LOCATIONS = {"json", "query", "querystring", "headers", "form", "files", "view_args", "path"}


def _validation_errors(exc: HTTPException) -> dict[str, list[str]] | None:
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if not messages:
        return None
    merged: dict[str, list[str]] = {}
    for location, msgs in messages.items():
        if location in _LOCATIONS:
            merged.update(flatten_errors(msgs))
        else:
            merged.update(flatten_errors({location: msgs}))
    return merged


@dataclass(frozen=True)
class IntegrityViolation:
    """What a database constraint refused, without the SQL or the values."""

    kind: str  # unique, foreign_key, not_null, check, other
    fields: tuple[str, ...] = ()
    constraint: str | None = None
    still_referenced: bool = False  # foreign_key: a delete/update left rows pointing at this one


# PostgreSQL SQLSTATEs (class 23, integrity constraint violation): 23505 is unique_violation
_SQLSTATE_KINDS = {"23505": "unique", "23503": "foreign_key", "23502": "not_null", "23514": "check"}
# SQLite messages: "UNIQUE constraint failed: t.tenant_id, t.email" (primary keys too),
# "FOREIGN KEY constraint failed", "NOT NULL constraint failed: t.name", "CHECK constraint failed: ck_n"
_SQLITE_KINDS = {"UNIQUE": "unique", "FOREIGN KEY": "foreign_key", "NOT NULL": "not_null", "CHECK": "check"}
# Every row carries the tenant; the client never sends it, so it is no field of theirs to name.
_UNNAMED_COLUMNS = {"tenant_id"}


def _public_fields(columns: list[str]) -> tuple[str, ...]:
    return tuple(c for c in columns if re.fullmatch(r"\w+", c) and c not in _UNNAMED_COLUMNS)


def integrity_violation(exc: IntegrityError) -> IntegrityViolation:
    """Classify an IntegrityError from PostgreSQL (psycopg's sqlstate + diag) or SQLite (message)."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    diag = getattr(orig, "diag", None)
    if sqlstate and diag is not None:
        detail = diag.message_detail or ""  # "Key (tenant_id, email)=(…) already exists." — has values
        keys = re.match(r"Key \((.+?)\)=\(", detail)
        columns = keys.group(1).split(", ") if keys else [diag.column_name] if diag.column_name else []
        return IntegrityViolation(
            _SQLSTATE_KINDS.get(sqlstate, "other"),
            _public_fields(columns),
            diag.constraint_name,
            "is still referenced" in detail,
        )
    message = str(orig)
    for prefix, kind in _SQLITE_KINDS.items():
        if message.startswith(f"{prefix} constraint failed"):
            named = message.partition(":")[2].strip()
            if kind == "check":
                return IntegrityViolation(kind, constraint=named or None)
            columns = [c.strip().rsplit(".", 1)[-1] for c in named.split(",")] if named else []
            return IntegrityViolation(kind, _public_fields(columns))
    return IntegrityViolation("other")


def _integrity_problem(violation: IntegrityViolation) -> Response:
    fields, constraint = violation.fields, violation.constraint
    names = " and ".join(fields)
    if violation.kind == "unique":
        detail = (
            f"Another record already has this {names}."
            if fields
            else "This record duplicates one that exists."
        )
        errors = {f: ["Already used by another record."] for f in fields} or None
        return problem_response(409, None, detail, errors=errors, constraint=constraint)
    if violation.kind == "foreign_key":
        errors = None
        if violation.still_referenced:
            detail = "Other records still refer to this one, so it cannot be removed."
        elif fields:
            detail = f"The {names} given refers to a record that does not exist."
            errors = {f: ["Refers to a record that does not exist."] for f in fields}
        else:  # SQLite does not say which way round
            detail = (
                "This change refers to a record that does not exist, or removes one that other "
                "records still refer to."
            )
        return problem_response(409, None, detail, errors=errors, constraint=constraint)
    if violation.kind == "not_null":
        errors = {f: ["Missing data for required field."] for f in fields} or None
        return problem_response(422, None, "A required value is missing.", errors=errors)
    if violation.kind == "check":
        return problem_response(
            422, None, "A value is outside what this record allows.", constraint=constraint
        )
    return problem_response(409, None, "The change conflicts with the records stored.", constraint=constraint)


def database_error_cause(exc: DBAPIError) -> str:
    """What the driver said, for a log line: its exception's class, code and first line of text
    ("OperationalError SQLITE_BUSY: database is locked"), never the SQL or its parameters."""
    orig = exc.orig if exc.orig is not None else exc
    code = getattr(orig, "sqlite_errorname", None) or getattr(orig, "sqlstate", None)
    message = (str(orig) if exc.orig is not None else "").strip().splitlines()
    cause = type(orig).__name__ + (f" {code}" if code else "")
    if exc.connection_invalidated:
        cause += " (connection lost)"
    return f"{cause}: {message[0][:300]}" if message else cause


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return problem_response(exc.status, exc.title, exc.detail, **exc.extra)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        errors = _validation_errors(exc) if status in (400, 422) else None
        if errors is not None:
            return problem_response(422, None, "The request has invalid fields.", errors=errors)
        detail = exc.description if isinstance(exc.description, str) else None
        if status == 413:
            detail = "The request body is larger than this service accepts."
        headers = {}
        if status == 405 and exc.get_response().headers.get("Allow"):
            headers["Allow"] = exc.get_response().headers["Allow"]
        return problem_response(status, None, detail, headers=headers)

    @app.errorhandler(StaleDataError)
    def _stale(exc: StaleDataError):
        return problem_response(
            412, None, "The record has changed since you read it. Read it again and re-apply your change."
        )

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):
        # Usually two requests racing past the same check, or a rule only the schema enforces.
        # Nothing was committed. Neither the answer nor the log carries the SQL or the values
        # (customers' emails and names would outlive an erasure in the logs).
        violation = integrity_violation(exc)
        log.warning(
            "database refused a %s constraint %s on %s",
            violation.kind,
            violation.constraint or "",
            ", ".join(violation.fields) or "-",
            extra={"request_id": g.get("request_id"), "error": type(exc.orig or exc).__name__},
        )
        return _integrity_problem(violation)

    @app.errorhandler(DBAPIError)
    def _database(exc: DBAPIError):
        # The database went away (restart, failover) or refused a transient conflict: nothing of
        # this request was committed, so the client may send it again. Anything else is a 500.
        if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
            return _unexpected(exc)
        log.warning(
            "database unavailable: %s", database_error_cause(exc), extra={"request_id": g.get("request_id")}
        )
        return problem_response(
            503,
            None,
            "The database is not reachable right now; nothing was saved. Try again in a moment.",
            headers={"Retry-After": "2"},
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return _http(exc)
        log.exception("unhandled error", extra={"request_id": g.get("request_id")})
        return problem_response(500, None, "Something went wrong on our side. It has been logged.")
