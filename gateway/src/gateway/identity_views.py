"""The gateway's own people routes: /v1/users (admin) and /v1/sessions (log in, who am I, log out).

The gateway owns identity, as it owns API keys: the services only ever see the identity headers it
sets. A session token works like a key (`Authorization: Bearer fs_…`); the console keeps it in its
own HttpOnly cookie and sends it on every API call it makes for the person.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, jsonify, request

from fieldbook_shared.context import INTERNAL_TOKEN_HEADER, TENANT_HEADER
from fieldbook_shared.problems import problem_response

from . import identity, roles, scopes
from .auth import presented_key
from .keys import Principal
from .state import current_gateway
from .store import User, UserSession
from .views import authenticate

identity_bp = Blueprint("identity", __name__)
# for the services only (comms emails a tenant's admins, e.g. of a disabled webhook endpoint)
ADMINS_PATH = "/internal/admins"


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _refused(error: identity.IdentityError) -> Response:
    errors = {error.field: [str(error)]} if error.field else None
    return problem_response(422, detail=str(error), **({"errors": errors} if errors else {}))


def _admin() -> tuple[Principal | None, Response | None]:
    """The principal, when it may manage people (roles.py: /v1/users is admin only)."""
    principal, refusal = authenticate(current_gateway())
    if refusal is not None:
        return None, refusal
    if principal.scopes is not None:  # type: ignore[union-attr]  # an OAuth2 client, a scoped key
        detail = scopes.refusal_detail(scopes.NO_SCOPE, request.method, request.path)
        return None, problem_response(403, detail=detail, required_scope=scopes.NO_SCOPE)
    allowed = roles.allowed_roles(request.method, request.path)
    if principal.role not in allowed:  # type: ignore[union-attr]
        detail = roles.refusal_detail(allowed, request.method, request.path, principal.kind)  # type: ignore[union-attr]
        return None, problem_response(403, detail=detail, allowed_roles=list(allowed))
    return principal, None


@identity_bp.route("/v1/users", methods=["GET", "POST"])
def users() -> Response:
    principal, refusal = _admin()
    if refusal is not None:
        return refusal
    gw = current_gateway()
    with gw.sessions() as session:
        if request.method == "GET":
            return jsonify([identity.user_json(u) for u in identity.list_users(session, principal.tenant_id)])
        body = _body()
        try:
            user = identity.create_user(
                session,
                principal.tenant_id,
                body.get("email"),
                body.get("name"),
                body.get("role"),
                body.get("password"),
            )
        except identity.IdentityError as exc:
            return _refused(exc)
        session.commit()
        answer = jsonify(identity.user_json(user))
    answer.status_code = 201
    answer.headers["Location"] = f"/v1/users/{user.id}"
    return answer


@identity_bp.route("/v1/users/<user_id>", methods=["GET", "PATCH"])
def one_user(user_id: str) -> Response:
    principal, refusal = _admin()
    if refusal is not None:
        return refusal
    with current_gateway().sessions() as session:
        user = identity.tenant_user(session, principal.tenant_id, user_id)
        if user is None:
            return problem_response(404, detail=f"There is no user {user_id}.")
        if request.method == "PATCH":
            try:
                identity.change_user(session, user, _body())
            except identity.IdentityError as exc:
                return _refused(exc)
            session.commit()
        return jsonify(identity.user_json(user))


@identity_bp.post("/v1/sessions")
def log_in() -> Response:
    gw = current_gateway()
    address = request.remote_addr or ""
    wait = gw.auth_throttle.blocked_for(address)
    if wait:
        return problem_response(
            429,
            detail=f"Too many failed logins from this address; try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
    body = _body()
    s = gw.settings
    policy = identity.LoginPolicy(s.login_max_failures, s.login_lock_seconds, s.session_seconds)
    with gw.sessions() as session:
        try:
            user, token, expires = identity.login(session, body.get("email"), body.get("password"), policy)
        except identity.LoginRefused as exc:
            gw.auth_throttle.record_failure(address)
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
            return problem_response(401, detail=str(exc), headers=headers, locked=bool(exc.retry_after))
        session.commit()
        answer = jsonify(
            {"token": token, "expires_at": expires.isoformat(), "user": identity.user_json(user)}
        )
    answer.status_code = 201
    answer.headers["Cache-Control"] = "no-store"
    return answer


def _live_session(session) -> tuple[str, UserSession, User] | Response:
    """The caller's session token, its row and user; or the 401 that refuses the request."""
    token = presented_key(request.headers)
    if not token or not identity.is_session_token(token):
        return problem_response(
            401,
            detail="Send a session token as `Authorization: Bearer fs_…`.",
            headers={"WWW-Authenticate": 'Bearer realm="fieldbook"'},
        )
    found = identity.find_session(session, token)
    if found is None:
        return problem_response(401, detail="The session has ended or is not valid.")
    return token, *found


@identity_bp.route("/v1/sessions/current", methods=["GET", "DELETE"])
def current_session() -> Response:
    with current_gateway().sessions() as session:
        live = _live_session(session)
        if isinstance(live, Response):
            return live
        token, row, user = live
        if request.method == "DELETE":
            identity.end_session(session, token)
            session.commit()
            return Response(status=204)
        return jsonify({"user": identity.user_json(user), "expires_at": row.expires_at.isoformat()})


@identity_bp.delete("/v1/sessions")
def log_out_everywhere() -> Response:
    """Every session of the caller's user ends: each browser and device is logged out."""
    with current_gateway().sessions() as session:
        live = _live_session(session)
        if isinstance(live, Response):
            return live
        ended = identity.end_sessions(session, live[2].id)
        session.commit()
    return jsonify({"ended": ended})


@identity_bp.get(ADMINS_PATH)
def tenant_admins() -> Response:
    """The tenant's admins (`X-Tenant-Id`): email and name. Only with the internal token, which the
    services hold and no client ever has; never under /v1, so no key, role or scope applies."""
    gw = current_gateway()
    token = request.headers.get(INTERNAL_TOKEN_HEADER, "")
    if not gw.settings.internal_token or not hmac.compare_digest(token, gw.settings.internal_token):
        return problem_response(401, detail="Only Fieldbook's services may ask for a tenant's admins.")
    tenant_id = request.headers.get(TENANT_HEADER, "").strip()
    if not tenant_id:
        return problem_response(
            422, detail="Name the tenant in X-Tenant-Id.", errors={TENANT_HEADER: ["required"]}
        )
    with gw.sessions() as session:
        admins = identity.tenant_admins(session, tenant_id)
        return jsonify({"items": [{"email": a.email, "name": a.name} for a in admins]})
