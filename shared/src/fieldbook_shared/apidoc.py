"""What every service's OpenAPI document says about decimals and pages, kept true to the wire.

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

from decimal import Decimal, InvalidOperation
from typing import Any

from apispec import BasePlugin
from flask import Flask, request
from marshmallow import fields

from .pagination import PAGE_SIZE_CEILING
from .problems import ValidationFailed

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
