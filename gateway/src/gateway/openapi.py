"""One OpenAPI document for the whole public API, merged from the services' own specs.

Each enabled service's `/openapi.json` is fetched with a short timeout; its paths (only those the
routing table sends to it, so internal routes stay hidden) and components are merged. Component
names are kept as they are unless two services define the same name differently: then the later
one is renamed `<Service><Name>` and that service's `$ref`s are rewritten to match. A service that
does not answer is left out and named under `x-fieldbook-unavailable`.

Then what the gateway itself answers is added (`add_gateway_answers`): 401, 403, 414, 429, 502, 503
and 504 on every /v1 operation, 413 where a request body is read, each operation's security (an
API key, or a token with the scope scopes.py names), and its own routes: the customer overview
and timeline, keys and OAuth2 clients, and outside /v1 `POST /oauth/token`,
`/.well-known/jwks.json` and `/asyncapi.json`. The services' documents already describe their
own answers (the kit's `fieldbook_shared.apidoc`), so the merged document is the whole contract
(docs/api-contract.md).
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from fieldbook_shared.context import GATEWAY_SET_HEADERS, PUBLIC_PREFIX
from fieldbook_shared.problems import PROBLEM_JSON, ProblemSchema
from fieldbook_shared.timeline import LIMIT_DEFAULT, LIMIT_MAX, TimelineEntrySchema

from . import credentials_openapi, people_openapi, routing, scopes

log = logging.getLogger("fieldbook.gateway.openapi")

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "Your API key: `Authorization: Bearer <key>`; or a person's session token "
        "(`fs_…`, from `POST /v1/sessions`), which speaks for the user with the user's role.",
    },
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "Your API key."},
    "oauth2": {
        "type": "oauth2",
        "description": "OAuth2 client credentials: a short-lived JWT from `POST /oauth/token`, "
        "sent as `Authorization: Bearer <token>`; each operation names the scope it needs.",
        "flows": {
            "clientCredentials": {"tokenUrl": "/oauth/token", "scopes": dict(scopes.SCOPE_DESCRIPTIONS)}
        },
    },
    "oauth2ClientBasic": {
        "type": "http",
        "scheme": "basic",
        "description": "An OAuth2 client's id and secret (`client_secret_basic`), "
        "at `POST /oauth/token` only.",
    },
}


def _security(method: str, path: str) -> list[dict]:
    """An API key, or a token with the operation's scope (none when no scope grants it)."""
    needed = scopes.required_scope(method, path)
    schemes: list[dict] = [{"bearer": []}, {"apiKey": []}]
    if needed != scopes.NO_SCOPE:
        schemes.append({"oauth2": [needed]})
    return schemes


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
        renames = _collision_renames(service, theirs, components)
        _rewrite_refs(spec, renames)
        _add_components(theirs, renames, components)
        _add_paths(service, spec, merged["paths"])
        for tag in spec.get("tags") or []:
            if isinstance(tag, dict) and tag.get("name") not in tag_names:
                tag_names.add(tag.get("name"))
                merged["tags"].append(tag)

    components["securitySchemes"] = dict(SECURITY_SCHEMES)
    add_gateway_answers(merged)
    merged["paths"] = dict(sorted(merged["paths"].items()))
    if not merged["tags"]:
        del merged["tags"]
    if unavailable:
        merged["x-fieldbook-unavailable"] = list(unavailable)
    return merged


def _collision_renames(service: str, theirs: dict[str, dict], components: dict[str, dict]) -> dict[str, str]:
    """Refs of this service's components whose names collide with a different definition already
    merged, each to its service-prefixed name; repeated until stable, because renaming B changes
    every definition that refers to B."""
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
    return renames


def _add_components(theirs: dict[str, dict], renames: dict[str, str], components: dict[str, dict]) -> None:
    """A service's components, under their final names (the first definition of a name stays)."""
    for kind, items in theirs.items():
        if not isinstance(items, dict) or kind == "securitySchemes":
            continue
        ours = components.setdefault(kind, {})
        for name, definition in items.items():
            final = renames.get(f"#/components/{kind}/{name}", name).rsplit("/", 1)[-1]
            ours.setdefault(final, definition)


def _add_paths(service: str, spec: dict, paths: dict[str, dict]) -> None:
    """The paths this service answers through the gateway."""
    for path, item in (spec.get("paths") or {}).items():
        if routing.service_for(path) != service or not isinstance(item, dict):
            continue
        target = paths.setdefault(path, {})
        for key, value in item.items():
            if key in HTTP_METHODS and isinstance(value, dict):
                _drop_gateway_headers(value)
            target.setdefault(key, value)


# -------------------------------------------------------------------------- what the gateway answers

GATEWAY_ANSWERS = {
    401: (
        "UNAUTHORIZED",
        "No API key or token, or one that is not valid, has expired or has been revoked.",
    ),
    403: (
        "FORBIDDEN",
        "The key's role may not do this (`allowed_roles` says which may), or the token or scoped "
        "key lacks the scope (`required_scope`).",
    ),
    414: ("URL_TOO_LONG", "The URL is longer than the gateway accepts (4096 bytes)."),
    429: (
        "TOO_MANY_REQUESTS",
        "Over the key's requests per minute, or too many invalid keys from this address.",
    ),
    502: ("BAD_GATEWAY", "The service behind the gateway gave no usable answer."),
    503: (
        "SERVICE_UNAVAILABLE",
        "The service (or its database) is unavailable; try again after `Retry-After`.",
    ),
    504: ("GATEWAY_TIMEOUT", "The service did not answer in time."),
}
BODY_LIMIT = (
    413,
    "REQUEST_ENTITY_TOO_LARGE",
    "The request body is larger than the gateway accepts for this route.",
)
HEADERS = {
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "string"}},
    "WWW-Authenticate": {"description": "How to authenticate.", "schema": {"type": "string"}},
    "X-RateLimit-Limit": {
        "description": "Requests a minute this key may make.",
        "schema": {"type": "string"},
    },
    "X-RateLimit-Remaining": {"description": "Requests left in this minute.", "schema": {"type": "string"}},
}
_RESPONSE_HEADERS = {401: ("WWW-Authenticate",), 429: ("Retry-After",), 503: ("Retry-After",)}
OVERVIEW_PATH = "/v1/customers/{customer_id}/overview"
TIMELINE_PATH = "/v1/customers/{customer_id}/timeline"
TIMELINE_KIND_NAMES = [kind for kinds in routing.TIMELINE_KINDS.values() for kind in kinds]


def _kit_schemas(**schemas) -> dict:
    """Kit schemas as the services document them: components by name (with what they refer to)."""
    spec = APISpec("kit", "1", "3.0.3", plugins=[MarshmallowPlugin()])
    for name, schema in schemas.items():
        spec.components.schema(name, schema=schema)
    return spec.to_dict()["components"]["schemas"]


def _problem_schema() -> dict:
    """The kit's Problem schema (for a document without services)."""
    return _kit_schemas(Problem=ProblemSchema)["Problem"]


def _problem_response(name: str, description: str, status: int) -> dict:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    headers = {h: dict(HEADERS[h]) for h in _RESPONSE_HEADERS.get(status, ())}
    if headers:
        response["headers"] = headers
    return response


def _add_own_routes(doc: dict) -> dict[str, dict]:
    """The routes the gateway answers itself; returns the people paths (their security is their own)."""
    doc["paths"].setdefault(OVERVIEW_PATH, {}).setdefault("get", overview_operation(doc))
    doc["paths"].setdefault(TIMELINE_PATH, {}).setdefault("get", timeline_operation(doc))
    for path, item in credentials_openapi.paths().items():  # the keys and OAuth2 clients
        doc["paths"].setdefault(path, item)
    people = people_openapi.paths()  # users, sessions, second factor, invitations
    for path, item in people.items():
        doc["paths"].setdefault(path, item)
    for name, schema in people_openapi.components().items():
        doc["components"]["schemas"].setdefault(name, schema)
    if people_openapi.TAG["name"] not in {t.get("name") for t in doc.setdefault("tags", [])}:
        doc["tags"].append(dict(people_openapi.TAG))
    return people


def add_gateway_answers(doc: dict) -> None:
    """The gateway's own answers on every operation, and its own routes (overview, timeline) (in place)."""
    components = doc.setdefault("components", {})
    components.setdefault("schemas", {}).setdefault("Problem", _problem_schema())
    responses = components.setdefault("responses", {})
    gateway_names = {}
    for status, (name, description) in [*GATEWAY_ANSWERS.items(), (BODY_LIMIT[0], BODY_LIMIT[1:])]:
        # the gateway's description replaces a service's own (which only knew its side of it)
        gateway_names[status] = name.title().replace("_", "")
        responses[gateway_names[status]] = _problem_response(name, description, status)
    people = _add_own_routes(doc)
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            own_security = path in people and "security" in operation  # a login, a session-only route
            public = path.startswith(PUBLIC_PREFIX) or (own_security and operation["security"] == [])
            answers = operation.setdefault("responses", {})
            statuses = list(GATEWAY_ANSWERS)
            if public:  # no key, no role: the service's own 401/403 (a bad link) stand
                operation["security"] = []
                statuses = [s for s in statuses if s not in (401, 403)]
            elif not own_security:
                operation["security"] = _security(method, path)
            if "requestBody" in operation:
                statuses.append(BODY_LIMIT[0])
            for status in statuses:
                ref = {"$ref": f"#/components/responses/{gateway_names[status]}"}
                answers.pop(status, None)
                answers[str(status)] = ref
            if path in people:
                continue  # the people routes are not rate limited per key: no X-RateLimit headers
            for code, response in answers.items():
                if str(code).startswith("2") and isinstance(response, dict) and "$ref" not in response:
                    headers = response.setdefault("headers", {})
                    headers.setdefault("X-RateLimit-Limit", dict(HEADERS["X-RateLimit-Limit"]))
                    headers.setdefault("X-RateLimit-Remaining", dict(HEADERS["X-RateLimit-Remaining"]))
    # outside /v1 (the token endpoint, the signing key, the events): none of the answers above apply
    components["schemas"].setdefault("OAuthError", credentials_openapi.OAUTH_ERROR)
    for path, item in credentials_openapi.outside_v1_paths().items():
        doc["paths"].setdefault(path, item)


def _success_schema(doc: dict, path: str, fallback: dict | None = None) -> dict:
    """The schema a merged GET answers with (its name may have been prefixed by the merge)."""
    try:
        return copy.deepcopy(
            doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        )
    except (KeyError, TypeError):
        return fallback or {"type": "object"}


def _items(doc: dict, path: str) -> dict:
    schema = _success_schema(doc, path, {"type": "array", "items": {"type": "object"}})
    return schema if schema.get("type") == "array" else {"type": "array", "items": schema}


def _nullable(schema: dict) -> dict:
    return {"allOf": [schema], "nullable": True} if "$ref" in schema else {**schema, "nullable": True}


def _section(properties: dict) -> dict:
    """A section of the overview: ok with its figures, or unavailable / forbidden with a reason."""
    return {
        "type": "object",
        "required": ["service", "status"],
        "properties": {
            "service": {"type": "string", "description": "The service the section comes from."},
            "status": {"type": "string", "enum": ["ok", "unavailable", "forbidden"]},
            "reason": {"type": "string", "description": "Why the section is not ok."},
            **properties,
        },
    }


CUSTOMER_ID = {
    "in": "path",
    "name": "customer_id",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
}
# what customers answers for the customer of a gateway page, passed on
CUSTOMER_REFUSALS = {
    "410": {
        "description": "The customer was merged into another: `merged_into` names the survivor.",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    },
    "404": {
        "description": "No such customer.",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    },
}


def servicing_properties(doc: dict) -> dict:
    """The overview's servicing section: the next service due and the contracts' status."""
    nullable_text = {"type": "string", "nullable": True}
    contract = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "plan_name": nullable_text,
            "status": nullable_text,
            "start_date": nullable_text,
            "end_date": nullable_text,
            "auto_renew": {"type": "boolean", "nullable": True},
            "sla_response_hours": {"type": "integer", "nullable": True},
        },
    }
    next_due = {
        "type": "object",
        "nullable": True,
        "description": "The soonest service reminder still due, postponed or booked; null when none.",
        "properties": {
            "due_date": {"type": "string", "format": "date"},
            "status": {"type": "string"},
            "id": {"type": "string"},
            "asset_id": nullable_text,
            "work_address_id": nullable_text,
        },
    }
    return {
        "next_service_due": next_due,
        "contract_status": {
            **nullable_text,
            "description": "active when any contract is, else the status of the one that ended last.",
        },
        "contracts": {"type": "array", "items": contract},
    }


def overview_operation(doc: dict) -> dict:
    """`GET /v1/customers/{customer_id}/overview`: answered by the gateway itself (overview.py)."""
    customer = "/v1/customers/{customer_id}"
    contact = _success_schema(doc, "/v1/customers/{customer_id}/contacts/{contact_id}")
    nullable_contact = _nullable(contact)
    nullable_text = {"type": "string", "nullable": True}
    return {
        "summary": "The customer's whole record in one call: details, accounts, ledger, recent work, "
        "assets, files, servicing (next service due, contract status).",
        "description": "Each section carries its own status: a service that is down makes its section "
        "`unavailable` (and `complete` false), not the whole answer. Answered by the gateway.",
        "tags": ["overview"],
        "parameters": [CUSTOMER_ID],
        "responses": {
            "200": {
                "description": "The overview.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["customer_id", "complete", "unavailable", "details"],
                            "properties": {
                                "customer_id": {"type": "string"},
                                "complete": {"type": "boolean", "description": "Every section answered."},
                                "unavailable": {"type": "array", "items": {"type": "string"}},
                                "details": _section(
                                    {
                                        "customer": _success_schema(doc, customer),
                                        "primary_contact": nullable_contact,
                                        "contacts": {"type": "integer"},
                                    }
                                ),
                                "accounting": _section(
                                    {
                                        "accounts_ref": nullable_text,
                                        "accounts_balance": nullable_text,
                                        "accounts_balance_as_of": nullable_text,
                                        "sync_status": {"type": "string"},
                                        "last_error": nullable_text,
                                    }
                                ),
                                "ledger": _section(
                                    {
                                        "figures": _nullable(
                                            _success_schema(doc, "/v1/customers/{customer_id}/account")
                                        )
                                    }
                                ),
                                "recent": _section(
                                    {
                                        "quotes": _items(doc, "/v1/customers/{customer_id}/quotes"),
                                        "jobs": _items(doc, "/v1/customers/{customer_id}/jobs"),
                                        "invoices": _items(doc, "/v1/customers/{customer_id}/invoices"),
                                    }
                                ),
                                "assets": _section({"count": {"type": "integer"}}),
                                "files": _section({"count": {"type": "integer"}}),
                                "servicing": _section(servicing_properties(doc)),
                                "notes": _section(
                                    {
                                        "pinned": _items(doc, "/v1/customers/{customer_id}/notes"),
                                        "do_not_work_with_again": {"type": "boolean"},
                                    }
                                ),
                            },
                        }
                    }
                },
            },
            **CUSTOMER_REFUSALS,
        },
    }


def timeline_operation(doc: dict) -> dict:
    """`GET /v1/customers/{customer_id}/timeline`: answered by the gateway itself (timeline.py)."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _kit_schemas(TimelineEntry=TimelineEntrySchema).items():
        schemas.setdefault(name, schema)
    text = {"type": "string"}
    return {
        "summary": "Everything that happened with the customer, newest first, page by page.",
        "description": "Quotes, jobs, invoices, credit notes, payments, account credit, refunds, notes, "
        "emails, calls, SMS, asset changes, files, contracts and service reminders in one order: "
        "`occurred_at`, then `kind`, then `id`, all descending. Send `next_cursor` back as `cursor` "
        "for the next page (no gap, no repeat). A service that is down leaves its kinds out of the "
        "page (`complete` false, `unavailable` names them), not the whole answer. Answered by the "
        "gateway.",
        "tags": ["overview"],
        "parameters": [
            CUSTOMER_ID,
            {
                "in": "query",
                "name": "cursor",
                "required": False,
                "description": "The `next_cursor` of the page before; none for the newest page.",
                "schema": {"type": "string"},
            },
            {
                "in": "query",
                "name": "limit",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": LIMIT_MAX, "default": LIMIT_DEFAULT},
            },
            {
                "in": "query",
                "name": "kind",
                "required": False,
                "description": "Only these kinds (repeat the parameter for several).",
                "style": "form",
                "explode": True,
                "schema": {"type": "array", "items": {"type": "string", "enum": TIMELINE_KIND_NAMES}},
            },
            {
                "in": "query",
                "name": "work_address_id",
                "required": False,
                "description": "Only what happened at this work address.",
                "schema": {"type": "string", "format": "uuid"},
            },
        ],
        "responses": {
            "200": {
                "description": "One page of the timeline.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["customer_id", "entries", "next_cursor", "complete", "unavailable"],
                            "properties": {
                                "customer_id": text,
                                "entries": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/TimelineEntry"},
                                },
                                "next_cursor": {
                                    "type": "string",
                                    "nullable": True,
                                    "description": "The next page's `cursor`; null on the last page.",
                                },
                                "complete": {"type": "boolean", "description": "Every service answered."},
                                "unavailable": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["service", "kinds", "reason"],
                                        "properties": {
                                            "service": text,
                                            "kinds": {"type": "array", "items": text},
                                            "reason": text,
                                        },
                                    },
                                },
                            },
                        }
                    }
                },
            },
            "422": {
                "description": "A query parameter is not valid (`errors` names it).",
                "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            },
            **CUSTOMER_REFUSALS,
        },
    }


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
