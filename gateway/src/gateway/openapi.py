"""One OpenAPI document for the whole public API, merged from the services' own specs.

Each enabled service's `/openapi.json` is fetched with a short timeout; its paths (only those the
routing table sends to it, so internal routes stay hidden) and components are merged. Component
names are kept as they are unless two services define the same name differently: then the later
one is renamed `<Service><Name>` and that service's `$ref`s are rewritten to match. A service that
does not answer is left out and named under `x-fieldbook-unavailable`.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests

from fieldbook_shared.context import (
    ACTOR_HEADER,
    CORRELATION_HEADER,
    INTERNAL_TOKEN_HEADER,
    REQUEST_ID_HEADER,
    ROLE_HEADER,
    TENANT_HEADER,
)

from . import routing

log = logging.getLogger("fieldbook.gateway.openapi")

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
GATEWAY_SET_HEADERS = {
    h.lower()
    for h in (
        TENANT_HEADER,
        ACTOR_HEADER,
        ROLE_HEADER,
        INTERNAL_TOKEN_HEADER,
        REQUEST_ID_HEADER,
        CORRELATION_HEADER,
    )
}
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "Your API key: `Authorization: Bearer <key>`.",
    },
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "Your API key."},
}


def _pascal(service: str) -> str:
    return "".join(part.capitalize() for part in service.replace("_", "-").split("-"))


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    """Every `$ref` to a renamed component, pointed at its new name (in place; returns node)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref in renames:
            node["$ref"] = renames[ref]
        for value in node.values():
            _rewrite_refs(value, renames)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value, renames)
    return node


def _drop_gateway_headers(operation: dict) -> None:
    """Clients cannot set the identity headers, so the public document does not offer them."""
    params = operation.get("parameters")
    if isinstance(params, list):
        operation["parameters"] = [
            p
            for p in params
            if not (
                isinstance(p, dict)
                and p.get("in") == "header"
                and str(p.get("name", "")).lower() in GATEWAY_SET_HEADERS
            )
        ]


def merge_specs(specs: dict[str, dict], unavailable: list[str] | None = None) -> dict:
    """Merge the services' specs (in the given order) into one document titled "Fieldbook API"."""
    merged: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "Fieldbook API",
            "version": "1",
            "description": "Every Fieldbook service behind one gateway. Authenticate with your API key.",
        },
        "paths": {},
        "components": {"schemas": {}},
        "security": [{"bearer": []}, {"apiKey": []}],
        "tags": [],
    }
    versions = {str(s.get("openapi")) for s in specs.values() if s.get("openapi")}
    if len(versions) == 1:
        merged["openapi"] = versions.pop()
    components: dict[str, dict] = merged["components"]
    tag_names: set[str] = set()

    for service, original in specs.items():
        spec = copy.deepcopy(original)
        theirs: dict[str, dict] = spec.get("components") or {}
        # 1. names that collide with a different definition get the service's prefix; repeated
        #    until stable, because renaming B changes every definition that refers to B
        renames: dict[str, str] = {}
        changed = True
        while changed:
            changed = False
            for kind, items in theirs.items():
                if not isinstance(items, dict) or kind == "securitySchemes":
                    continue
                ours = components.setdefault(kind, {})
                for name, definition in items.items():
                    ref = f"#/components/{kind}/{name}"
                    if ref in renames or name not in ours:
                        continue
                    if ours[name] != _rewrite_refs(copy.deepcopy(definition), renames):
                        renames[ref] = f"#/components/{kind}/{_pascal(service)}{name}"
                        changed = True
        _rewrite_refs(spec, renames)
        # 2. components, under their final names
        for kind, items in theirs.items():
            if not isinstance(items, dict) or kind == "securitySchemes":
                continue
            ours = components.setdefault(kind, {})
            for name, definition in items.items():
                final = renames.get(f"#/components/{kind}/{name}", name).rsplit("/", 1)[-1]
                ours.setdefault(final, definition)
        # 3. the paths this service answers through the gateway
        for path, item in (spec.get("paths") or {}).items():
            if routing.service_for(path) != service or not isinstance(item, dict):
                continue
            target = merged["paths"].setdefault(path, {})
            for key, value in item.items():
                if key in HTTP_METHODS and isinstance(value, dict):
                    _drop_gateway_headers(value)
                target.setdefault(key, value)
        for tag in spec.get("tags") or []:
            if isinstance(tag, dict) and tag.get("name") not in tag_names:
                tag_names.add(tag.get("name"))
                merged["tags"].append(tag)

    components["securitySchemes"] = dict(SECURITY_SCHEMES)
    merged["paths"] = dict(sorted(merged["paths"].items()))
    if not merged["tags"]:
        del merged["tags"]
    if unavailable:
        merged["x-fieldbook-unavailable"] = list(unavailable)
    return merged


class SpecAggregator:
    """Fetches and merges on demand; keeps the result for `ttl` seconds (less if a service was down)."""

    def __init__(
        self,
        upstreams: dict[str, str],
        timeout: float = 3.0,
        ttl: float = 60.0,
        fetch: Callable[[str, float], dict] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.upstreams = upstreams  # name → base URL, in merge order
        self.timeout = timeout
        self.ttl = ttl
        self._fetch = fetch or _fetch_json
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[float, dict] | None = None

    def document(self) -> dict:
        with self._lock:
            if self._cached and self._cached[0] > self._clock():
                return self._cached[1]
            specs: dict[str, dict] = {}
            unavailable: list[str] = []
            for name, base in self.upstreams.items():
                try:
                    specs[name] = self._fetch(f"{base.rstrip('/')}/openapi.json", self.timeout)
                except Exception as exc:  # noqa: BLE001 - any failure of one service leaves out only its part
                    log.warning("openapi of %s unavailable: %s", name, exc)
                    unavailable.append(name)
            doc = merge_specs(specs, unavailable)
            ttl = self.ttl if not unavailable else min(self.ttl, 5.0)
            self._cached = (self._clock() + ttl, doc)
            return doc


def _fetch_json(url: str, timeout: float) -> dict:
    with requests.Session() as session:
        session.trust_env = False  # service addresses are never reached through a proxy
        response = session.get(url, timeout=(min(timeout, 2.0), timeout))
    response.raise_for_status()
    body = response.json()
    if not isinstance(body, dict):
        raise TypeError("not an OpenAPI document")
    return body
