"""The public events as an AsyncAPI 3.0 document (`/asyncapi.json`), generated from the catalogue.

Each public event (`fieldbook_shared.events.PUBLIC_EVENTS`) is a channel and a `send` operation:
Fieldbook sends it to a partner's webhook endpoint, as the Standard Webhooks body
`{"type", "timestamp", "data"}` with the `webhook-id`, `webhook-timestamp` and `webhook-signature`
headers (services/webhooks). The `data` schemas are the catalogue's marshmallow schemas turned into
JSON Schema by apispec's marshmallow plugin (OpenAPI 3.1 flavour: JSON Schema proper, `null` as a
type), so the document cannot drift from what the services publish.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from fieldbook_shared.events import EVENT_SCHEMAS, PUBLIC_EVENTS

VERSION = "1.0.0"

SIGNATURE_HEADERS = {
    "type": "object",
    "required": ["webhook-id", "webhook-timestamp", "webhook-signature"],
    "properties": {
        "webhook-id": {
            "type": "string",
            "description": "The event's id: the same on every retry and replay.",
        },
        "webhook-timestamp": {"type": "string", "description": "When this attempt was sent (Unix seconds)."},
        "webhook-signature": {
            "type": "string",
            "description": "Space-separated `v1,<base64 HMAC-SHA256>` signatures of "
            "`<webhook-id>.<webhook-timestamp>.<body>`: two while a secret rotation overlaps.",
        },
    },
}


def _key(event_type: str) -> str:
    return event_type.replace(".", "_")


def _data_schemas() -> tuple[dict[str, str], dict[str, Any]]:
    """{event type: its data schema's component name}, and the components (nested ones included)."""
    spec = APISpec("events", VERSION, "3.1.0", plugins=[MarshmallowPlugin()])
    names: dict[type, str] = {}
    for event_type in sorted(PUBLIC_EVENTS):
        cls = EVENT_SCHEMAS[event_type]
        if cls not in names:
            names[cls] = cls.__name__
            spec.components.schema(cls.__name__, schema=cls)
    schemas = spec.to_dict().get("components", {}).get("schemas", {})
    return {t: names[EVENT_SCHEMAS[t]] for t in PUBLIC_EVENTS}, schemas


def _message(event_type: str, schema_name: str) -> dict[str, Any]:
    summary = inspect.getdoc(EVENT_SCHEMAS[event_type]) or f"A {event_type} event."
    return {
        "name": event_type,
        "title": event_type,
        "summary": summary.splitlines()[0],
        "contentType": "application/json",
        "headers": SIGNATURE_HEADERS,
        "payload": {
            "type": "object",
            "required": ["type", "timestamp", "data"],
            "properties": {
                "type": {"type": "string", "const": event_type},
                "timestamp": {"type": "string", "format": "date-time", "description": "When it happened."},
                "data": {"$ref": f"#/components/schemas/{schema_name}"},
            },
        },
    }


@functools.cache
def document() -> dict[str, Any]:
    names, schemas = _data_schemas()
    channels, operations, messages = {}, {}, {}
    for event_type in sorted(PUBLIC_EVENTS):
        key = _key(event_type)
        messages[key] = _message(event_type, names[event_type])
        channels[key] = {
            "address": event_type,
            "title": event_type,
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
        }
        operations[f"send_{key}"] = {
            "action": "send",
            "title": f"Deliver {event_type}",
            "summary": f"POSTed to every webhook endpoint subscribed to {event_type}.",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Fieldbook public events",
            "version": VERSION,
            "description": "What a partner's webhook endpoint receives (POST /v1/webhooks registers one). "
            "Deliveries are signed by the Standard Webhooks specification, retried for up to 3 days "
            "and sent in order per customer.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
