"""One marshmallow schema per event type: the catalogue of docs/architecture.md §4, in code.

The schemas live in `catalogue/`, one module per producing service; this module merges them.
Removing or retyping a field is a new `dataschema` version.
"""

from __future__ import annotations

from marshmallow import Schema

from .catalogue import (
    accounting,
    assets,
    billing,
    comms,
    customers,
    files,
    lifecycle,
    servicing,
    webhooks,
)
from .catalogue.base import EventData
from .catalogue.public import INTERNAL_EVENTS, PUBLIC_EVENTS

EVENT_SCHEMAS: dict[str, type[Schema]] = {}
for _module in (customers, accounting, assets, billing, comms, files, lifecycle, servicing, webhooks):
    _clash = EVENT_SCHEMAS.keys() & _module.SCHEMAS.keys()
    assert not _clash, f"event types defined twice: {_clash}"
    EVENT_SCHEMAS.update(_module.SCHEMAS)

assert PUBLIC_EVENTS <= EVENT_SCHEMAS.keys(), (
    f"public events not in the catalogue: {PUBLIC_EVENTS - EVENT_SCHEMAS.keys()}"
)
assert not PUBLIC_EVENTS & INTERNAL_EVENTS, (
    f"events both public and internal: {PUBLIC_EVENTS & INTERNAL_EVENTS}"
)
assert PUBLIC_EVENTS | INTERNAL_EVENTS == EVENT_SCHEMAS.keys(), (
    "every event of the catalogue is public or internal (events/catalogue/public.py); "
    f"unnamed: {sorted(EVENT_SCHEMAS.keys() - PUBLIC_EVENTS - INTERNAL_EVENTS)}, "
    f"not in the catalogue: {sorted(INTERNAL_EVENTS - EVENT_SCHEMAS.keys())}"
)

_instances: dict[str, Schema] = {}


def schema_for(event_type: str) -> Schema:
    """The schema instance for an event type; KeyError for a type not in the catalogue."""
    if event_type not in _instances:
        _instances[event_type] = EVENT_SCHEMAS[event_type]()
    return _instances[event_type]


__all__ = ["EVENT_SCHEMAS", "PUBLIC_EVENTS", "EventData", "schema_for"]
