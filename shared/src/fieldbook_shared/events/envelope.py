"""CloudEvents 1.0 structured JSON envelope (`application/cloudevents+json`).

Producer and consumer validate `data` against the same schema from `schemas.EVENT_SCHEMAS`,
so a bad event is refused where it is made, and a foreign one where it is read.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from marshmallow import ValidationError
from sqlalchemy import String

from ..db import OutboxMessage, ProcessedEvent
from .schemas import schema_for

CONTENT_TYPE = "application/cloudevents+json"
SPEC_VERSION = "1.0"


class EventSchemaError(ValueError):
    """An event whose envelope or data does not match its schema."""

    def __init__(self, message: str, errors: Any = None):
        super().__init__(message if errors is None else f"{message}: {errors}")
        self.errors = errors


@dataclass(frozen=True)
class Event:
    type: str
    source: str
    subject: str | None
    tenant_id: str
    data: dict
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat().replace("+00:00", "Z"))
    correlation_id: str | None = None
    data_version: str = "1"

    def to_dict(self) -> dict:
        return {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time,
            "subject": self.subject,
            "tenantid": self.tenant_id,
            "correlationid": self.correlation_id or self.id,
            "dataschema": f"urn:fieldbook:events:{self.type}:v{self.data_version}",
            "datacontenttype": "application/json",
            "data": self.data,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)


def build_event(
    event_type: str,
    *,
    source: str,
    tenant_id: str,
    data: dict,
    subject: str | None = None,
    correlation_id: str | None = None,
) -> Event:
    """Make an event, serialising and validating `data` through its schema."""
    schema = schema_for(event_type)
    try:
        dumped = schema.dump(data)
        schema.load(dumped)  # the consumer's view must accept what we produce
    except ValidationError as exc:
        raise EventSchemaError(f"{event_type} data does not match its schema", exc.messages) from exc
    return Event(
        type=event_type,
        source=source,
        subject=subject,
        tenant_id=tenant_id,
        data=dumped,
        correlation_id=correlation_id,
    )


_REQUIRED = ("specversion", "id", "source", "type", "tenantid", "data")
# Envelope attributes that must be non-empty strings, with the longest the kit's tables store.
_STRINGS = {
    "specversion": None,
    "id": cast(String, ProcessedEvent.__table__.c.event_id.type).length,  # the inbox key
    "source": None,
    "type": None,
    "tenantid": cast(String, OutboxMessage.__table__.c.tenant_id.type).length,
}


def _envelope_problems(raw: dict) -> dict[str, str]:
    problems = {}
    for key, longest in _STRINGS.items():
        value = raw[key]
        if not isinstance(value, str) or not value.strip():
            problems[key] = "must be a non-empty string"
        elif longest is not None and len(value) > longest:
            problems[key] = f"must be at most {longest} characters"
    return problems


def parse_event(body: bytes | str | dict) -> Event:
    """Read a CloudEvent from the wire; raise EventSchemaError if it cannot be trusted."""
    try:
        raw = body if isinstance(body, dict) else json.loads(body)
    except (ValueError, TypeError, RecursionError) as exc:  # RecursionError: nested too deep
        raise EventSchemaError("event body is not JSON") from exc
    if not isinstance(raw, dict):
        raise EventSchemaError("event body is not an object")
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise EventSchemaError("event envelope is missing fields", missing)
    problems = _envelope_problems(raw)
    if problems:
        raise EventSchemaError("event envelope is not valid", problems)
    if raw["specversion"] != SPEC_VERSION:
        raise EventSchemaError(f"unsupported specversion {raw['specversion']!r}")
    try:
        schema = schema_for(raw["type"])
    except KeyError as exc:
        raise EventSchemaError(f"unknown event type {raw['type']!r}") from exc
    try:
        schema.load(raw["data"])
    except ValidationError as exc:
        raise EventSchemaError(f"{raw['type']} data does not match its schema", exc.messages) from exc
    return Event(
        type=raw["type"],
        source=raw["source"],
        subject=raw.get("subject"),
        tenant_id=raw["tenantid"],
        data=raw["data"],
        id=raw["id"],
        time=raw.get("time") or "",
        correlation_id=raw.get("correlationid"),
    )
