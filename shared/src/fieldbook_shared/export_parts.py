"""A service's part of "export all customer data": its records, page by page, as flat rows.

Each service lists the kinds it owns (`Part`: a model and the columns to export) and registers
`parts_blueprint(parts)`. The customers worker builds the ZIP by calling, for every kind,

    GET /v1/exports/parts/<kind>?after=<last id>&limit=<n>
    → {"kind", "columns": [...], "rows": [[...], ...], "next_after": "<id>" | null}

with the internal token and the tenant, like every internal call. Pages are keyset-paginated by
id (a stable order while records are added), tenant-scoped, and values come as text: amounts as
"12.50", times in ISO 8601, JSON fields as JSON text, nothing as "".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from .problems import Forbidden, NotFound

MAX_LIMIT = 1000


@dataclass(frozen=True)
class Part:
    model: Any  # a mapped class with `id` and `tenant_id`
    columns: tuple[str, ...]
    where: Any = None  # optional: model -> extra criterion (e.g. leave out merged tombstones)


def text_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def read_page(session: Session, tenant_id: str, part: Part, after: str | None, limit: int) -> dict:
    """One page of a part: rows after `after` (by id), at most `limit`."""
    model = part.model
    stmt = select(model).where(model.tenant_id == tenant_id).order_by(model.id).limit(limit)
    if after:
        stmt = stmt.where(model.id > after)
    if part.where is not None:
        stmt = stmt.where(part.where(model))
    items = list(session.scalars(stmt))
    return {
        "columns": list(part.columns),
        "rows": [[text_value(getattr(item, c)) for c in part.columns] for item in items],
        "next_after": str(items[-1].id) if len(items) == limit else None,
    }


class PartQuerySchema(Schema):
    after = fields.String(load_default=None)
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=MAX_LIMIT))


class PartPageSchema(Schema):
    kind = fields.String()
    columns = fields.List(fields.String())
    rows = fields.List(fields.List(fields.String()))
    next_after = fields.String(allow_none=True)


def parts_blueprint(parts: dict[str, Part]) -> Blueprint:
    """GET /v1/exports/parts/<kind> for the kinds this service owns (admin; internal)."""
    blp = Blueprint(
        "export_parts",
        __name__,
        url_prefix="/v1/exports/parts",
        description="This service's part of the export of all customer data (called by the export job).",
    )

    @blp.route("/<kind>")
    class ExportPart(MethodView):
        @blp.arguments(PartQuerySchema, location="query")
        @blp.response(200, PartPageSchema)
        def get(self, args, kind):
            """One page of one kind of record, keyset-paginated by id."""
            from .web import state

            if g.context.role != "admin":
                raise Forbidden("Only admin may export all data.")
            part = parts.get(kind)
            if part is None:
                raise NotFound(f"This service exports {', '.join(sorted(parts))}; not {kind!r}.")
            with state().read_sessions() as session:
                page = read_page(session, g.context.tenant_id, part, args["after"], args["limit"])
            return {"kind": kind, **page}

    return blp
