"""`/v1/api-keys` and `/v1/oauth-clients`: a tenant's admins manage its keys and OAuth2 clients.

Answered by the gateway itself (the tables are its own). Admin keys only; a secret is in the
answer that creates it and never again. Keys are revoked with `DELETE` (the row stays, listed with
`revoked_at`): a worker that cached the key keeps accepting it for up to `KEY_CACHE_SECONDS`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from fieldbook_shared.context import ROLES
from fieldbook_shared.db import utcnow
from fieldbook_shared.problems import ValidationFailed, flatten_errors, problem_response

from . import keys, oauth, roles
from .keys import Principal
from .scopes import SCOPES

KEYS = "/v1/api-keys"
CLIENTS = "/v1/oauth-clients"
ROOTS = (KEYS, CLIENTS)


class NewKeySchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)), load_default=None)
    expires_at = fields.AwareDateTime(load_default=None)

    @validates_schema
    def _partner_scopes(self, data, **kwargs):
        if data.get("role") == "partner" and not data.get("scopes"):
            raise ValidationError("A partner key needs the scopes it is limited to.", "scopes")
        if data.get("expires_at") is not None and data["expires_at"] <= utcnow():
            raise ValidationError("The expiry must be in the future.", "expires_at")


class NewClientSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(load_default="partner", validate=validate.OneOf(ROLES))
    scopes = fields.List(
        fields.String(validate=validate.OneOf(SCOPES)), required=True, validate=validate.Length(min=1)
    )


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _key_json(info: keys.KeyInfo) -> dict:
    return {
        "id": info.id,
        "name": info.name,
        "role": info.role,
        "scopes": list(info.scopes) if info.scopes is not None else None,
        "prefix": info.prefix,
        "created_at": _iso(info.created_at),
        "last_used_at": _iso(info.last_used_at),
        "expires_at": _iso(info.expires_at),
        "revoked_at": _iso(info.revoked_at),
    }


def _client_json(info: oauth.ClientInfo) -> dict:
    return {
        "client_id": info.id,
        "name": info.name,
        "role": info.role,
        "scopes": list(info.scopes),
        "created_at": _iso(info.created_at),
        "revoked_at": _iso(info.revoked_at),
    }


def _load(schema: Schema) -> dict:
    try:
        return schema.load(request.get_json(silent=True) or {})
    except ValidationError as exc:
        raise ValidationFailed(flatten_errors(exc.messages)) from exc


def handles(path: str) -> bool:
    return any(path == root or path.startswith(root + "/") for root in ROOTS)


def answer(gw, principal: Principal, path: str) -> Response:
    """The answer to a request under /v1/api-keys or /v1/oauth-clients (already authenticated)."""
    if principal.role != "admin" or principal.scopes is not None:  # a scoped caller never mints keys
        return problem_response(
            403,
            detail=roles.refusal_detail(
                ("admin",), request.method, path, "key" if principal.scopes is not None else principal.kind
            ),
            allowed_roles=["admin"],
        )
    root = KEYS if path == KEYS or path.startswith(KEYS + "/") else CLIENTS
    rest = path[len(root) :].strip("/")
    handlers: dict[tuple[str, bool], Callable] = {
        ("GET", False): _list_keys if root == KEYS else _list_clients,
        ("POST", False): _create_key if root == KEYS else _create_client,
        ("DELETE", True): _revoke_key if root == KEYS else _revoke_client,
    }
    if "/" in rest or path.endswith("/"):  # one id at most; no empty segment
        return problem_response(404, detail=f"There is no resource at {path}.")
    handler = handlers.get((request.method, bool(rest)))
    if handler is None:
        allowed = "DELETE" if rest else "GET, POST"
        return problem_response(
            405, detail=f"{request.method} is not allowed on {path}.", headers={"Allow": allowed}
        )
    with gw.sessions() as session:
        response = (
            handler(session, principal.tenant_id, rest) if rest else handler(session, principal.tenant_id)
        )
        session.commit()
    return response


def _list_keys(session, tenant_id: str) -> Response:
    return jsonify({"items": [_key_json(k) for k in keys.list_keys(session, tenant_id)]})


def _create_key(session, tenant_id: str) -> Response:
    data = _load(NewKeySchema())
    scopes = tuple(s for s in SCOPES if s in data["scopes"]) if data["scopes"] is not None else None
    try:
        row, plain = keys.create_key(
            session, tenant_id, data["role"], data["name"], scopes, data["expires_at"]
        )
    except ValueError as exc:
        raise ValidationFailed({"name": [str(exc)]}) from exc
    body = {**_key_json(keys.key_info(row)), "key": plain}
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = f"{KEYS}/{row.id}"
    response.headers["Cache-Control"] = "no-store"  # the secret
    return response


def _revoke_key(session, tenant_id: str, key_id: str) -> Response:
    try:
        keys.revoke_key(session, key_id, tenant_id)
    except ValueError:
        return problem_response(404, detail=f"There is no API key {key_id}.")
    return Response(status=204)


def _list_clients(session, tenant_id: str) -> Response:
    return jsonify({"items": [_client_json(c) for c in oauth.list_clients(session, tenant_id)]})


def _create_client(session, tenant_id: str) -> Response:
    data = _load(NewClientSchema())
    scopes = tuple(s for s in SCOPES if s in data["scopes"])
    try:
        info, secret = oauth.create_client(session, tenant_id, data["name"], data["role"], scopes)
    except ValueError as exc:
        raise ValidationFailed({"name": [str(exc)]}) from exc
    response = jsonify({**_client_json(info), "client_secret": secret})
    response.status_code = 201
    response.headers["Location"] = f"{CLIENTS}/{info.id}"
    response.headers["Cache-Control"] = "no-store"
    return response


def _revoke_client(session, tenant_id: str, client_id: str) -> Response:
    if oauth.revoke_client(session, client_id, tenant_id) is None:
        return problem_response(404, detail=f"There is no OAuth client {client_id}.")
    return Response(status=204)
