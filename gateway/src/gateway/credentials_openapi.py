"""The OpenAPI description of `/v1/api-keys` and `/v1/oauth-clients` (credentials_api.py), which
the gateway answers itself; merged into /openapi.json by openapi.py."""

from __future__ import annotations

from fieldbook_shared.context import ROLES
from fieldbook_shared.problems import PROBLEM_JSON

from .scopes import SCOPES

_TEXT = {"type": "string"}
_WHEN = {"type": "string", "format": "date-time", "nullable": True}
_SCOPES = {"type": "array", "items": {"type": "string", "enum": list(SCOPES)}}
_ROLE = {"type": "string", "enum": list(ROLES)}
_KEY = {
    "type": "object",
    "required": ["id", "name", "role", "scopes", "prefix", "created_at"],
    "properties": {
        "id": _TEXT,
        "name": _TEXT,
        "role": _ROLE,
        "scopes": {**_SCOPES, "nullable": True, "description": "null: the role alone decides"},
        "prefix": {**_TEXT, "description": "the key's first 8 characters"},
        "created_at": {"type": "string", "format": "date-time"},
        "last_used_at": _WHEN,
        "expires_at": _WHEN,
        "revoked_at": _WHEN,
    },
}
_CLIENT = {
    "type": "object",
    "required": ["client_id", "name", "role", "scopes", "created_at"],
    "properties": {
        "client_id": _TEXT,
        "name": _TEXT,
        "role": _ROLE,
        "scopes": _SCOPES,
        "created_at": {"type": "string", "format": "date-time"},
        "revoked_at": _WHEN,
    },
}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem(description: str) -> dict:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _collection(what: str, item: dict, new: dict, secret: str) -> dict:
    created = {**item, "required": [*item["required"], secret]}
    created["properties"] = {**item["properties"], secret: {**_TEXT, "description": "shown this once"}}
    return {
        "get": {
            "summary": f"The tenant's {what}s (never a secret). Admin keys only.",
            "tags": ["access"],
            "responses": {
                "200": _json(
                    f"The {what}s.",
                    {"type": "object", "properties": {"items": {"type": "array", "items": item}}},
                )
            },
        },
        "post": {
            "summary": f"Make a new {what}; its secret is in this answer and never again. Admin keys only.",
            "tags": ["access"],
            "requestBody": {"required": True, "content": {"application/json": {"schema": new}}},
            "responses": {
                "201": _json(f"The {what}, with its secret.", created),
                "422": _problem("A field is missing or not valid (`errors` names it)."),
            },
        },
    }


def _one(what: str, parameter: str) -> dict:
    return {
        "delete": {
            "summary": f"Revoke the {what}. Admin keys only.",
            "tags": ["access"],
            "parameters": [{"name": parameter, "in": "path", "required": True, "schema": _TEXT}],
            "responses": {
                "204": {"description": "Revoked."},
                "404": _problem(f"No such {what} in this tenant."),
            },
        }
    }


def paths() -> dict[str, dict]:
    new_key = {
        "type": "object",
        "required": ["name", "role"],
        "properties": {
            "name": {**_TEXT, "minLength": 1, "maxLength": 100},
            "role": _ROLE,
            "scopes": {**_SCOPES, "description": "required for a partner key, which they limit"},
            "expires_at": {"type": "string", "format": "date-time", "description": "with its time zone"},
        },
    }
    new_client = {
        "type": "object",
        "required": ["name", "scopes"],
        "properties": {
            "name": {**_TEXT, "minLength": 1, "maxLength": 100},
            "role": {**_ROLE, "default": "partner"},
            "scopes": {**_SCOPES, "minItems": 1},
        },
    }
    return {
        "/v1/api-keys": _collection("API key", _KEY, new_key, "key"),
        "/v1/api-keys/{key_id}": _one("API key", "key_id"),
        "/v1/oauth-clients": _collection("OAuth2 client", _CLIENT, new_client, "client_secret"),
        "/v1/oauth-clients/{client_id}": _one("OAuth2 client", "client_id"),
    }
