"""A customer's timeline: every service's records of one customer in one order, page by page.

The gateway's `GET /v1/customers/{id}/timeline` merges what each owning service lists (billing:
quotes, jobs, invoices …; comms: the communications log; assets: asset changes). Each of those
services registers `timeline_blueprint(sources)`, one internal route

    GET /internal/customers/<customer_id>/timeline-entries?before=<cursor>&limit=&kind=&work_address_id=
    → {"entries": [entry, ...]}   (at most `limit`, in timeline order, all strictly after `before`)

called with the internal token and the tenant, like every internal call.

The order is one total order on the key (occurred_at, kind, id), **descending** in all three:
newest first, and ties broken by kind then id so that no two entries compare equal. Being one
descending tuple, "after the cursor" is "key < cursor's key", which each table answers with a
range scan of its (tenant_id, customer_id, occurred_at, id) index. A cursor is the key of the
last entry a page showed (base64url of JSON, opaque to clients): the next page starts strictly
after it, so pages have no gap and no repeat whatever the page size. `occurred_at` is a time the
record never changes (its creation), so a record does not move between pages while paging.

`merge_page` is the one merge, used by a service over its tables and by the gateway over the
services: each list in timeline order with at most `limit + 1` entries after the cursor gives
the page and whether there is more.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .schemas import Id

LIMIT_DEFAULT = 25
LIMIT_MAX = 100

Key = tuple[datetime, str, str]  # (occurred_at, kind, id): the timeline's order, descending


# --------------------------------------------------------------------------------- keys, cursors


def iso(moment: datetime) -> str:
    """A UTC time with microseconds, `2026-12-06T16:05:00.123456Z`: how entries and cursors carry it."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    """An ISO 8601 time with its zone (as `iso` writes it), in UTC; ValueError otherwise."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("a time without its zone")
    return moment.astimezone(UTC)


def entry_key(entry: dict) -> Key:
    return parse_time(entry["occurred_at"]), entry["kind"], entry["id"]


def encode_cursor(key: Key) -> str:
    raw = json.dumps({"at": iso(key[0]), "kind": key[1], "id": key[2]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Key:
    """The key a cursor names; ValueError when it is not one `encode_cursor` made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise ValueError("not a timeline cursor") from exc
    if not isinstance(data, dict) or set(data) != {"at", "kind", "id"}:
        raise ValueError("not a timeline cursor")
    if not all(isinstance(data[name], str) and data[name] for name in ("at", "kind", "id")):
        raise ValueError("not a timeline cursor")
    try:
        return parse_time(data["at"]), data["kind"], data["id"]
    except ValueError as exc:
        raise ValueError("not a timeline cursor") from exc


def merge_page(lists: Iterable[list[dict]], limit: int) -> tuple[list[dict], bool]:
    """Lists each in timeline order (newest first) → the first `limit` entries of all of them, and
    whether any entry is left over. Each list must hold every entry after the cursor or at least
    `limit + 1` of them, so that "nothing left over" means the end of the timeline."""
    merged = list(heapq.merge(*lists, key=entry_key, reverse=True))
    return merged[:limit], len(merged) > limit


# ------------------------------------------------------------------------------ a service's side


@dataclass(frozen=True)
class Source:
    """One table's part of the timeline.

    `kinds`: the kinds it holds; with `kind_column` the column saying each row's kind (the
    communications log: note, email, letter, call, sms), else one kind for every row. `entry` turns a row
    into the entry's own fields (title, status, amount, links …); kind, id, occurred_at and
    work_address_id are added here. `work_address` is the column of the row's work address, or
    None when its kind has none (a payment): then a work-address filter leaves the table out.
    """

    kinds: tuple[str, ...]
    model: Any  # a mapped class with id, tenant_id, customer_id
    entry: Callable[[Any], dict]
    occurred_at: str = "created_at"
    kind_column: str | None = None
    work_address: str | None = "work_address_id"


def _after(occurred, kind, row_id, key: Key, kind_is_column: bool):
    """`(occurred, kind, row_id) < key`, spelled so the (occurred_at, id) index is a range scan."""
    at, cursor_kind, cursor_id = key
    if kind_is_column:
        tie = or_(kind < cursor_kind, and_(kind == cursor_kind, row_id < cursor_id))
        return or_(occurred < at, and_(occurred == at, tie))
    if kind < cursor_kind:  # a plain string here: one kind for the whole table
        return occurred <= at
    if kind > cursor_kind:
        return occurred < at
    return or_(occurred < at, and_(occurred == at, row_id < cursor_id))


def _rows(session: Session, tenant_id: str, customer_id: str, source: Source, kinds, args: dict) -> list:
    model = source.model
    occurred = getattr(model, source.occurred_at)
    stmt = select(model).where(model.tenant_id == tenant_id, model.customer_id == customer_id)
    order = [occurred.desc()]
    kind: Any = kinds[0]
    if source.kind_column:
        kind = getattr(model, source.kind_column)
        stmt = stmt.where(kind.in_(kinds))
        order.append(kind.desc())
    if args.get("work_address_id") and source.work_address:
        stmt = stmt.where(getattr(model, source.work_address) == args["work_address_id"])
    if args.get("before"):
        stmt = stmt.where(_after(occurred, kind, model.id, args["before"], bool(source.kind_column)))
    return list(session.scalars(stmt.order_by(*order, model.id.desc()).limit(args["limit"])))


def _entry(source: Source, row) -> dict:
    kind = getattr(row, source.kind_column) if source.kind_column else source.kinds[0]
    return {
        "kind": kind,
        "id": str(row.id),
        "occurred_at": iso(getattr(row, source.occurred_at)),
        "work_address_id": getattr(row, source.work_address) if source.work_address else None,
        "status": None,
        "amount": None,
        **source.entry(row),
    }


def read_entries(
    session: Session, tenant_id: str, customer_id: str, sources: list[Source], args: dict
) -> list[dict]:
    """At most `args["limit"]` entries of the customer after `args["before"]` (a key or None), of
    the kinds `args["kind"]` (all when empty) and the work address `args["work_address_id"]`."""
    wanted = set(args.get("kind") or ())
    lists = []
    for source in sources:
        kinds = [k for k in source.kinds if not wanted or k in wanted]
        if not kinds or (args.get("work_address_id") and source.work_address is None):
            continue
        rows = _rows(session, tenant_id, customer_id, source, kinds, args)
        lists.append([_entry(source, row) for row in rows])
    page, _more = merge_page(lists, args["limit"])
    return page


def money(amount: Decimal | None) -> str | None:
    """An amount as the API writes them: a decimal string with two places."""
    return None if amount is None else f"{amount:.2f}"


class Cursor(fields.String):
    """A timeline cursor, loaded as the key it names."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return decode_cursor(text)
        except ValueError as exc:
            raise ValidationError("Not a cursor this timeline gave; start again without one.") from exc


class TimelineLinksSchema(Schema):
    self = fields.String(required=True, metadata={"description": "The record's own route."})


class TimelineEntrySchema(Schema):
    """One entry of a customer's timeline."""

    kind = fields.String(required=True)
    id = fields.String(required=True)
    occurred_at = fields.String(
        required=True, metadata={"description": "When it happened: UTC with microseconds."}
    )
    title = fields.String(required=True, metadata={"description": "What happened, for a person."})
    summary = fields.String(allow_none=True)
    work_address_id = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    amount = fields.String(allow_none=True, metadata={"description": 'A decimal string, e.g. "120.00".'})
    links = fields.Nested(TimelineLinksSchema, required=True)


class TimelineEntriesSchema(Schema):
    entries = fields.List(fields.Nested(TimelineEntrySchema), required=True)


def query_schema(kinds: tuple[str, ...]) -> type[Schema]:
    class TimelineEntriesQuerySchema(Schema):
        class Meta:
            unknown = RAISE

        before = Cursor(load_default=None)
        # the gateway asks for one more than its page to know whether another follows
        limit = fields.Integer(load_default=LIMIT_DEFAULT, validate=validate.Range(min=1, max=LIMIT_MAX + 1))
        kind = fields.List(fields.String(validate=validate.OneOf(kinds)), load_default=list)
        work_address_id = Id(load_default=None)

    return TimelineEntriesQuerySchema


def timeline_blueprint(sources: list[Source]) -> Blueprint:
    """GET /internal/customers/<customer_id>/timeline-entries over this service's `sources`."""
    blp = Blueprint(
        "timeline_entries",
        __name__,
        url_prefix="/internal/customers",
        description="Internal: this service's part of a customer's timeline (the gateway merges them).",
    )
    kinds = tuple(k for source in sources for k in source.kinds)

    @blp.route("/<uuid:customer_id>/timeline-entries")
    class TimelineEntries(MethodView):
        @blp.arguments(query_schema(kinds), location="query")
        @blp.response(200, TimelineEntriesSchema)
        def get(self, args, customer_id):
            """The customer's entries of this service after the cursor, newest first."""
            from .web import state

            with state().read_sessions() as session:
                entries = read_entries(session, g.context.tenant_id, str(customer_id), sources, args)
            return {"entries": entries}

    return blp
