"""Every service's OpenAPI document, kept true to the wire: the document is the contract.

The contract (`ContractPlugin`, `FieldbookApi`; see docs/api-contract.md):
- Errors are `application/problem+json` with the `Problem` schema (problems.ProblemSchema), and
  each operation lists the statuses it really answers, no catch-all `default`: what the kit answers
  for every operation of its kind (404 on a path with an id or a write whose body names a record by
  its `…_id`, 410 on a path of one customer (its merged id), 422 for input, 409 for a write, 413
  and 415 for a JSON body, 401/403/503 for all),
  plus what a view declares with `answers(...)`.
- What the kit's helpers enforce is documented by decorators beside them: `requires_if_match`
  (the view calls `etag.expected_version()`: a required `If-Match` header, 412 and 428),
  `accepts_if_match` (If-Match optional: 412), `sends_etag` / `sends_location` (response headers).
  Every POST takes an optional `Idempotency-Key` (idempotency.py honours it on every POST) and may
  answer `Idempotent-Replayed: true`; a paged list sends `X-Pagination` and `Link`.
- `Computed` is a Method field with the shape of a schema (e.g. the nested address), and
  `file_response` describes a CSV, ZIP or PDF body, so that a generated client types them.

- Decimals (amounts, quantities, rates) travel as JSON strings ("12.50"): Flask writes a `Decimal`
  as a string whichever way the field is declared. apispec would call them `number` and put the
  validator's bounds in as strings (`"minimum": "0.00"`), which is not a valid schema. Here they are
  `type: string` with a pattern, and the bounds go to `x-minimum` / `x-maximum`.
- Pages: Flask-Smorest's `page` has no upper bound, and `(page - 1) * page_size` past 2**63 is an
  error in the database. Pages above `MAX_PAGE` are refused with a 422 and the limit is written
  into the document.
- Page sizes: on `pagination.paginate(blp)` endpoints the document shows the service's configured
  default and maximum `page_size` (PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX), not Flask-Smorest's bound.
"""

from __future__ import annotations

import copy
import http
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from apispec import BasePlugin
from flask import Flask, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import fields

from .pagination import PAGE_SIZE_CEILING
from .problems import PROBLEM_JSON, ProblemSchema, ValidationFailed

MAX_PAGE = 1_000_000
UNSIGNED_DECIMAL = r"^[0-9]+(\.[0-9]+)?$"
SIGNED_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"


def decimal2properties(self, field: fields.Field, ret: dict, **kwargs: Any) -> dict:
    """apispec attribute function: a Decimal with fixed places is a plain decimal string."""
    if not isinstance(field, fields.Decimal) or field.places is None or "pattern" in ret:
        return {}
    try:
        unsigned = Decimal(str(ret.get("x-minimum"))) >= 0 if "x-minimum" in ret else False
    except InvalidOperation:
        unsigned = False
    return {"pattern": UNSIGNED_DECIMAL if unsigned else SIGNED_DECIMAL}


class PageLimitPlugin(BasePlugin):
    """Writes `maximum: MAX_PAGE` on every `page` query parameter, and the service's page sizes on
    the `page_size` of `paginate(blp)` endpoints (after the marshmallow plugin)."""

    def __init__(self, page_size_default: int = 25, page_size_max: int = 100):
        super().__init__()
        self.page_size_default = min(page_size_default, page_size_max)
        self.page_size_max = page_size_max

    def operation_helper(self, path=None, operations=None, **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            if not isinstance(operation, dict):
                continue
            for param in operation.get("parameters") or []:
                if not (isinstance(param, dict) and param.get("in") == "query"):
                    continue
                schema = param.get("schema")
                if not (isinstance(schema, dict) and schema.get("type") == "integer"):
                    continue
                if param.get("name") == "page":
                    schema.setdefault("maximum", MAX_PAGE)
                elif param.get("name") == "page_size" and schema.get("maximum") == PAGE_SIZE_CEILING:
                    schema["maximum"] = self.page_size_max
                    schema["default"] = self.page_size_default


def init_decimal_docs(api) -> None:
    """Call before the blueprints are registered."""
    api.register_field(fields.Decimal, "string", None)
    api.ma_plugin.converter.add_attribute_function(decimal2properties)


def init_page_limit(app: Flask) -> None:
    @app.before_request
    def _page_limit():
        raw = request.args.get("page")
        if raw is None:
            return None
        try:
            page = int(raw.strip())
        except ValueError:
            return None  # not a number: the endpoint's own argument parsing answers with its 422
        if page > MAX_PAGE:
            raise ValidationFailed({"page": [f"Must be less than or equal to {MAX_PAGE}."]})
        return None


# ------------------------------------------------------------------------------------ the contract

MARK = "x-fieldbook-contract"  # what the decorators below leave for ContractPlugin (then removed)
HTTP_METHODS = ("get", "put", "post", "patch", "delete")
WRITES = ("post", "put", "patch", "delete")
BINARY = {"type": "string", "format": "binary"}

IF_MATCH_HEADER = "If-Match"
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed"

RESPONSE_HEADERS = {
    "ETag": {
        "description": 'The version of the record (a strong tag, e.g. `"3"`): send it back as '
        "`If-Match` to change it.",
        "schema": {"type": "string"},
    },
    "Location": {"description": "Where the created record is read.", "schema": {"type": "string"}},
    "Link": {
        "description": "RFC 8288 links to the first, previous, next and last pages.",
        "schema": {"type": "string"},
    },
    IDEMPOTENT_REPLAYED_HEADER: {
        "description": "`true` when this is the stored answer to an earlier request with the same "
        "Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "string"}},
}


def _if_match_parameter(required: bool) -> dict:
    return {
        "in": "header",
        "name": IF_MATCH_HEADER,
        "required": required,
        "schema": {"type": "string", "minLength": 1},
        "description": 'The ETag you last read of this record (e.g. `"3"`), or `*`. '
        + (
            "Required: 428 without it, 412 when the record has changed since."
            if required
            else "Optional: when sent, 412 if the record has changed since."
        ),
    }


IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Makes a retry safe: the same key with the same request gives the same answer "
    f"(with `{IDEMPOTENT_REPLAYED_HEADER}: true`) for 24 hours; with a different request it is a 422, "
    "and while the first is still running a 409.",
}


def _mark(**marks: Any) -> Callable:
    """A decorator leaving `marks` on a view for ContractPlugin, in any place of its decorators."""

    def decorator(func: Callable) -> Callable:
        doc = copy.deepcopy(getattr(func, "_apidoc", None) or {})
        ours = doc.setdefault("manual_doc", {}).setdefault(MARK, {})
        for key, value in marks.items():
            if isinstance(value, dict):
                ours.setdefault(key, {}).update(value)
            else:
                ours[key] = value
        func._apidoc = doc  # type: ignore[attr-defined]  # flask-smorest reads its docs from here
        return func

    return decorator


def requires_if_match(view: Callable) -> Callable:
    """The view calls `etag.expected_version()`: a required If-Match header, 428 without, 412 stale."""
    return _mark(if_match="required")(view)


def accepts_if_match(view: Callable) -> Callable:
    """If-Match is optional (checked only when sent): 412 when stale."""
    return _mark(if_match="optional")(view)


def sends_etag(view: Callable) -> Callable:
    """The success answer carries the record's `ETag`."""
    return _mark(headers={"ETag": True})(view)


def sends_location(view: Callable) -> Callable:
    """The 201 (or 202) answer says where the new record is (`Location`)."""
    return _mark(headers={"Location": True})(view)


def answers(*statuses: int) -> Callable:
    """Error statuses this view answers beyond what the kit documents for every operation of its
    kind (e.g. 409 on a GET that refuses while a file is still being built)."""
    return _mark(answers={str(int(s)): True for s in statuses})


def file_response(*media_types: str, status: int = 200, description: str | None = None) -> Callable:
    """The answer with `status` is a file (CSV, ZIP, PDF …): its media types, as binary bodies,
    added beside a JSON answer of the same status if the view has one."""
    return _mark(files={str(status): {"media_types": list(media_types), "description": description}})


def file_content(*media_types: str) -> dict:
    """An OpenAPI `content` of binary bodies (for a request body made of a file)."""
    return {mt: {"schema": dict(BINARY)} for mt in media_types}


class Computed(fields.Method):
    """A read-only Method field whose value has the shape of `schema` (documented as that schema):
    `address = Computed("_address", AddressSchema)`; `schema` may also be a JSON schema (a dict)
    for a value no marshmallow schema describes (`{"type": "array", "items": {"type": "string"}}`)."""

    def __init__(self, serialize: str, schema: Any, *, many: bool = False, **kwargs: Any):
        super().__init__(serialize, **kwargs)
        self.doc_schema = schema
        self.doc_many = many


def computed2properties(self, field: fields.Field, ret: dict, **kwargs: Any) -> dict:
    """apispec attribute function: a `Computed` field is a reference to its schema."""
    if not isinstance(field, Computed):
        return {}
    if isinstance(field.doc_schema, dict):
        shape = copy.deepcopy(field.doc_schema)
        return {"type": "array", "items": shape} if field.doc_many else shape
    ref = self.resolve_nested_schema(field.doc_schema)
    if field.doc_many:
        return {"type": "array", "items": ref}
    # OpenAPI 3.0 ignores siblings of $ref (readOnly, nullable): wrap it
    return {"allOf": [ref]}


def _codes(responses: dict) -> set[str]:
    return {str(code) for code in responses}


def _response(responses: dict, code: str) -> dict | None:
    for key, value in responses.items():
        if str(key) == code:
            return value if isinstance(value, dict) else None
    return None


# Paths of one customer: every service answers its merged id with 410 (problems.CustomerMerged).
CUSTOMER_PATH = "/v1/customers/{customer_id}"


class ContractPlugin(BasePlugin):
    """Completes every operation to the contract (after the decorators above have left their marks)."""

    def __init__(self, every_operation: tuple[int, ...] = (401, 403, 503)):
        super().__init__()
        self.every_operation = every_operation
        self.spec: Any = None  # the APISpec, from init_spec on

    def init_spec(self, spec) -> None:
        super().init_spec(spec)
        self.spec = spec

    def operation_helper(self, path=None, operations=None, **kwargs: Any) -> None:
        path_has_ids = "{" in (path or "")
        for method, operation in (operations or {}).items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            marks = operation.pop(MARK, None) or {}
            if method in WRITES and self._body_names_records(operation.get("requestBody")):
                # a body naming another record (`customer_id`, `invoice_id` …): 404 when there is none
                marks.setdefault("answers", {})["404"] = True
            if (path or "").startswith(CUSTOMER_PATH):
                # a merged customer's old id: 410 naming the survivor (problems.CustomerMerged)
                marks.setdefault("answers", {})["410"] = True
            complete_operation(
                method, operation, marks, path_has_ids=path_has_ids, every=self.every_operation
            )

    def _body_names_records(self, body: Any) -> bool:
        if not isinstance(body, dict):
            return False
        schema = ((body.get("content") or {}).get("application/json") or {}).get("schema")
        return self._names_records(schema, depth=0)

    def _names_records(self, schema: Any, depth: int) -> bool:
        if not isinstance(schema, dict) or depth > 5:
            return False
        ref = schema.get("$ref")
        if isinstance(ref, str):
            schema = self.spec.components.schemas.get(ref.rsplit("/", 1)[-1])
            return self._names_records(schema, depth + 1)
        for name, prop in (schema.get("properties") or {}).items():
            if not isinstance(prop, dict) or prop.get("readOnly"):
                continue
            if name.endswith("_id") or name.endswith("_ids") or self._names_records(prop, depth + 1):
                return True
        nested = [schema.get("items"), *(schema.get("allOf") or [])]
        return any(self._names_records(s, depth + 1) for s in nested)


def complete_operation(
    method: str, operation: dict, marks: dict, *, path_has_ids: bool, every: tuple[int, ...]
) -> None:
    responses: dict = operation.setdefault("responses", {})
    responses.pop("default", None)  # a catch-all would let any status pass as documented
    parameters: list = operation.setdefault("parameters", [])
    statuses = _statuses_and_parameters(method, operation, marks, path_has_ids=path_has_ids, every=every)
    have = _codes(responses)
    for status in sorted(statuses):
        if str(status) not in have:
            responses[str(status)] = http.HTTPStatus(status).name  # a lazy response (FieldbookApi)
    _add_file_responses(responses, marks.get("files") or {})
    _add_response_headers(method, responses, dict(marks.get("headers") or {}))
    if not parameters:
        del operation["parameters"]


def _statuses_and_parameters(
    method: str, operation: dict, marks: dict, *, path_has_ids: bool, every: tuple[int, ...]
) -> set[int]:
    """The statuses the operation can answer; adds the Idempotency-Key and If-Match parameters."""
    parameters: list = operation["parameters"]
    body = operation.get("requestBody")
    statuses: set[int] = set(every)
    if path_has_ids:
        statuses.add(404)
    if any(isinstance(p, dict) and p.get("in") == "query" for p in parameters):
        statuses.add(422)
    if body is not None:
        statuses |= {413, 422}
        if "application/json" in (body.get("content") or {}):
            statuses.add(415)
    if method in WRITES:
        statuses |= {409, 422}  # a database constraint refusing the change; a rule refusing its input
    if method == "post":  # idempotency.py: every POST honours an Idempotency-Key
        parameters.append(copy.deepcopy(IDEMPOTENCY_PARAMETER))
        statuses |= {409, 422}
    if_match = marks.get("if_match")
    if if_match:
        parameters.append(_if_match_parameter(if_match == "required"))
        statuses.add(412)
        if if_match == "required":
            statuses.add(428)
    statuses |= {int(code) for code in marks.get("answers", {})}
    return statuses


def _add_file_responses(responses: dict, files: dict) -> None:
    for code, spec in files.items():
        response = _response(responses, code)
        if response is None:
            response = responses[code] = {"description": spec.get("description") or "The file."}
        elif spec.get("description"):
            response["description"] = spec["description"]
        response.setdefault("content", {}).update(file_content(*spec["media_types"]))


def _add_response_headers(method: str, responses: dict, wanted: dict) -> None:
    """The headers each 2xx answer sends: ETag, Location, Link beside X-Pagination, Idempotent-Replayed."""
    for code in list(_codes(responses)):
        if not code.startswith("2"):
            continue
        response = _response(responses, code)
        if response is None:
            continue
        headers = response.setdefault("headers", {})
        if wanted.get("ETag") and code != "204":
            headers.setdefault("ETag", dict(RESPONSE_HEADERS["ETag"]))
        if wanted.get("Location") and code in ("201", "202"):
            headers.setdefault("Location", dict(RESPONSE_HEADERS["Location"]))
        if "X-Pagination" in headers:
            headers.setdefault("Link", dict(RESPONSE_HEADERS["Link"]))
        if method == "post":
            headers.setdefault(IDEMPOTENT_REPLAYED_HEADER, dict(RESPONSE_HEADERS[IDEMPOTENT_REPLAYED_HEADER]))
        if not headers:
            del response["headers"]


class FieldbookApi(Api):
    """Flask-Smorest's Api whose error responses are `application/problem+json` with the Problem
    schema (its own `Error` schema says `{code, status, message}`, which no Fieldbook answer is)."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # no catch-all: each operation lists what it answers

    def _register_responses(self):
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                if status in (429, 503):
                    response["headers"] = {"Retry-After": dict(RESPONSE_HEADERS["Retry-After"])}
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)


def init_contract_docs(api: Api) -> None:
    """Call before the blueprints are registered."""
    api.ma_plugin.converter.add_attribute_function(computed2properties)


def undocumented_nulls(spec: dict, schema: str, body: dict) -> list[str]:
    """The keys of `body` that are null where the document's `schema` does not say nullable: an
    answer the contract does not allow (what schemathesis found in issue 7). For tests."""
    props = spec["components"]["schemas"][schema]["properties"]
    return [
        key
        for key, value in body.items()
        if value is None and key in props and not props[key].get("nullable") and "anyOf" not in props[key]
    ]
