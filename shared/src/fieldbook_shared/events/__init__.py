"""Events: the CloudEvents envelope and one marshmallow schema per event type."""

from .envelope import Event, EventSchemaError, build_event, parse_event
from .schemas import EVENT_SCHEMAS, PUBLIC_EVENTS, schema_for

__all__ = [
    "Event",
    "EventSchemaError",
    "build_event",
    "parse_event",
    "EVENT_SCHEMAS",
    "PUBLIC_EVENTS",
    "schema_for",
]
