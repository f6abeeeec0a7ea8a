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


# ---------------------------------------------------- outside /v1: the token endpoint, the key, events

_NO_STORE = {
    "Cache-Control": {"description": "`no-store`: a token is never cached.", "schema": _TEXT},
    "Pragma": {"description": "`no-cache`.", "schema": _TEXT},
}
# RFC 6749 §5.2, as the gateway answers it: a problem (RFC 9457) that also carries OAuth's members
OAUTH_ERROR = {
    "allOf": [
        {"$ref": "#/components/schemas/Problem"},
        {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    **_TEXT,
                    "description": "RFC 6749's error code: `invalid_request`, `invalid_client`, "
                    "`invalid_grant`, `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`.",
                },
                "error_description": {**_TEXT, "description": "What went wrong, as `detail` says it."},
            },
        },
    ]
}


def _oauth_error(description: str, *headers: str) -> dict:
    answer: dict = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/OAuthError"}}},
    }
    if headers:
        answer["headers"] = {
            h: {"description": "How to authenticate (HTTP Basic).", "schema": _TEXT} for h in headers
        }
    return answer


def token_operation() -> dict:
    """`POST /oauth/token` (views.py, oauth.py): RFC 6749 §4.4, client credentials."""
    form = {
        "type": "object",
        "required": ["grant_type"],
        "properties": {
            "grant_type": {**_TEXT, "enum": ["client_credentials"]},
            "scope": {
                **_TEXT,
                "description": "Space-separated: the granted scopes it wants (all it was given when none).",
            },
            "client_id": {**_TEXT, "description": "`client_secret_post`; or send both by HTTP Basic."},
            "client_secret": {**_TEXT, "description": "`client_secret_post`; or send both by HTTP Basic."},
        },
    }
    token = {
        "type": "object",
        "required": ["access_token", "token_type", "expires_in", "scope"],
        "properties": {
            "access_token": {**_TEXT, "description": "An RFC 9068 JWT (RS256): send it as `Bearer`."},
            "token_type": {**_TEXT, "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "description": "Seconds it is valid for."},
            "scope": {**_TEXT, "description": "Space-separated: the scopes it carries."},
        },
    }
    return {
        "summary": "Trade an OAuth2 client's id and secret for a short-lived access token.",
        "description": "RFC 6749 client credentials. The client authenticates by HTTP Basic "
        "(`client_secret_basic`) or in the form (`client_secret_post`). No API key needed.",
        "tags": ["oauth"],
        "security": [{"oauth2ClientBasic": []}, {}],
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": form}},
        },
        "responses": {
            "200": {
                "description": "The access token.",
                "headers": dict(_NO_STORE),
                "content": {"application/json": {"schema": token}},
            },
            "400": _oauth_error(
                "Not a valid token request, a scope not granted, or (`invalid_client`) a client "
                "that authenticated in the form and is unknown, revoked or has another secret."
            ),
            "401": _oauth_error(
                "`invalid_client` by HTTP Basic: no such client, a revoked one, or a wrong secret.",
                "WWW-Authenticate",
            ),
        },
    }


def jwks_operation() -> dict:
    """`GET /.well-known/jwks.json`: the public key that signs access tokens (RFC 7517)."""
    key = {
        "type": "object",
        "required": ["kty", "kid", "use", "alg", "n", "e"],
        "properties": {
            "kty": {**_TEXT, "enum": ["RSA"]},
            "kid": _TEXT,
            "use": {**_TEXT, "enum": ["sig"]},
            "alg": {**_TEXT, "enum": ["RS256"]},
            "n": _TEXT,
            "e": _TEXT,
        },
    }
    return {
        "summary": "The public key that signs access tokens (a JWK Set); no key needed.",
        "tags": ["oauth"],
        "security": [],
        "responses": {
            "200": {
                "description": "The key set; pick the key by the token's `kid`.",
                "headers": {
                    "Cache-Control": {"description": "It may be cached for an hour.", "schema": _TEXT}
                },
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["keys"],
                            "properties": {"keys": {"type": "array", "items": key}},
                        }
                    }
                },
            }
        },
    }


def asyncapi_operation() -> dict:
    """`GET /asyncapi.json`: the public events partners receive by webhook (asyncapi.py)."""
    document = {
        "type": "object",
        "required": ["asyncapi", "info", "channels", "operations", "components"],
        "properties": {"asyncapi": {**_TEXT, "example": "3.0.0"}},
        "additionalProperties": True,
    }
    return {
        "summary": "The public events and their payloads, as an AsyncAPI 3.0 document; no key needed.",
        "tags": ["webhooks"],
        "security": [],
        "responses": {
            "200": {
                "description": "The AsyncAPI document.",
                "content": {"application/json": {"schema": document}},
            }
        },
    }


def outside_v1_paths() -> dict[str, dict]:
    """What the gateway answers outside /v1, for partners: none of the /v1 pipeline's answers apply."""
    return {
        "/oauth/token": {"post": token_operation()},
        "/.well-known/jwks.json": {"get": jwks_operation()},
        "/asyncapi.json": {"get": asyncapi_operation()},
    }
