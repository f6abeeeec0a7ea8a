"""The gateway's own people routes (documented in people_openapi.py, bodies in people_schemas.py):
- /v1/users (admin): make, list, change users; log a user out everywhere; reset their second factor;
- /v1/sessions: log in (with a TOTP code as a second step when the user has one), who am I, log
  out, log out everywhere;
- /v1/account/second-factor: the caller sets up their own TOTP second factor;
- /v1/invitations (admin): invite by email (comms sends the link); /v1/invitations/acceptance: the
  invitee sets their password, once.

The gateway owns identity, as it owns API keys: the services only ever see the identity headers it
sets. A session token works like a key (`Authorization: Bearer fs_…`); the console keeps it in its
own HttpOnly cookie and sends it on every API call it makes for the person.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from flask import Blueprint, Response, jsonify, request

from fieldbook_shared.context import INTERNAL_TOKEN_HEADER, TENANT_HEADER
from fieldbook_shared.problems import problem_response

from . import identity, roles, scopes
from .auth import presented_key
from .identity_mail import InvitationMail
from .keys import Principal
from .people_schemas import (
    InvitationAcceptanceSchema,
    InvitationNewSchema,
    LoginSchema,
    SecondFactorCodeSchema,
    SecondFactorLoginSchema,
    UserChangeSchema,
    UserNewSchema,
    load,
)
from .state import current_gateway
from .store import User, UserSession
from .views import authenticate

identity_bp = Blueprint("identity", __name__)
# for the services only (comms emails a tenant's admins, e.g. of a disabled webhook endpoint)
ADMINS_PATH = "/internal/admins"


def _refused(error: identity.IdentityError) -> Response:
    errors = {error.field: [str(error)]} if error.field else None
    return problem_response(422, detail=str(error), **({"errors": errors} if errors else {}))


def _created(body: dict, location: str | None = None) -> Response:
    answer = jsonify(body)
    answer.status_code = 201
    if location:
        answer.headers["Location"] = location
    return answer


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


def _policy() -> identity.LoginPolicy:
    s = current_gateway().settings
    return identity.LoginPolicy(s.login_max_failures, s.login_lock_seconds, s.session_seconds)


# ---------------------------------------------------------------------------------------- users


@identity_bp.route("/v1/users", methods=["GET", "POST"])
def users() -> Response:
    principal, refusal = _admin()
    if refusal is not None:
        return refusal
    with current_gateway().sessions() as session:
        if request.method == "GET":
            return jsonify([identity.user_json(u) for u in identity.list_users(session, principal.tenant_id)])
        body = load(UserNewSchema())
        try:
            user = identity.create_user(
                session,
                principal.tenant_id,
                body["email"],
                body.get("name"),
                body["role"],
                body["password"],
            )
        except identity.IdentityError as exc:
            return _refused(exc)
        session.commit()
        return _created(identity.user_json(user), f"/v1/users/{user.id}")


def _with_user(user_id: str, act: Callable[[object, User], Response | None]) -> Response:
    """Run `act(session, user)` on the tenant's user (404 otherwise); its answer or the user."""
    principal, refusal = _admin()
    if refusal is not None:
        return refusal
    with current_gateway().sessions() as session:
        user = identity.tenant_user(session, principal.tenant_id, user_id)
        if user is None:
            return problem_response(404, detail=f"There is no user {user_id}.")
        try:
            answer = act(session, user)
        except identity.IdentityError as exc:
            return _refused(exc)
        session.commit()
        return answer if answer is not None else jsonify(identity.user_json(user))


@identity_bp.route("/v1/users/<user_id>", methods=["GET", "PATCH"])
def one_user(user_id: str) -> Response:
    if request.method == "GET":
        return _with_user(user_id, lambda session, user: None)

    def change(session, user: User) -> None:
        identity.change_user(session, user, load(UserChangeSchema()))  # after the role check

    return _with_user(user_id, change)


@identity_bp.delete("/v1/users/<user_id>/sessions")
def user_logged_out_everywhere(user_id: str) -> Response:
    """An admin logs a user out of every browser and device (a lost laptop, someone leaving)."""
    return _with_user(
        user_id, lambda session, user: jsonify({"ended": identity.end_sessions(session, user.id)})
    )


@identity_bp.delete("/v1/users/<user_id>/second-factor")
def user_second_factor_reset(user_id: str) -> Response:
    def reset(session, user: User) -> Response:
        identity.reset_totp(session, user)
        return Response(status=204)

    return _with_user(user_id, reset)


# ------------------------------------------------------------------------------------- sessions


def _throttled() -> Response | None:
    wait = current_gateway().auth_throttle.blocked_for(request.remote_addr or "")
    if not wait:
        return None
    return problem_response(
        429,
        detail=f"Too many failed logins from this address; try again in {wait} s.",
        headers={"Retry-After": str(wait)},
    )


def _login_answer(
    schema, run: Callable[[object, dict, identity.LoginPolicy], identity.LoginResult]
) -> Response:
    """A login step, `run` with the body `schema` loads and the policy: 429 while the address is
    throttled (before the body is read), 201 with a session, 202 with a challenge, 401 (counted
    per address) refused."""
    throttled = _throttled()
    if throttled is not None:
        return throttled
    body = load(schema)
    policy = _policy()
    gw = current_gateway()
    with gw.sessions() as session:
        try:
            result = run(session, body, policy)
        except identity.LoginRefused as exc:
            # end this transaction first: the throttle writes on a connection of its own, and on
            # SQLite the login's open write transaction (FOR UPDATE) would make it wait out the busy
            # timeout (30 s) and then lose the count
            session.rollback()
            gw.auth_throttle.record_failure(request.remote_addr or "")
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
            return problem_response(401, detail=str(exc), headers=headers, locked=bool(exc.retry_after))
        session.commit()
        if result.challenge is not None:
            body = {"second_factor": "totp", "challenge": result.challenge}
            answer = jsonify({**body, "expires_at": result.expires_at.isoformat()})
            answer.status_code = 202
        else:
            answer = _created(
                {
                    "token": result.token,
                    "expires_at": result.expires_at.isoformat(),
                    "user": identity.user_json(result.user),
                }
            )
    answer.headers["Cache-Control"] = "no-store"
    return answer


@identity_bp.post("/v1/sessions")
def log_in() -> Response:
    return _login_answer(
        LoginSchema(),
        lambda session, body, policy: identity.login(
            session, body["email"], body["password"], policy, body.get("code")
        ),
    )


@identity_bp.post("/v1/sessions/second-factor")
def log_in_with_code() -> Response:
    return _login_answer(
        SecondFactorLoginSchema(),
        lambda session, body, policy: identity.finish_login(session, body["challenge"], body["code"], policy),
    )


def _live_session(session) -> tuple[str, UserSession, User] | Response:
    """The caller's session token, its row and user; or the 401 that refuses the request."""
    token = presented_key(request.headers)
    challenge = {"WWW-Authenticate": 'Bearer realm="fieldbook"'}
    if not token or not identity.is_session_token(token):
        return problem_response(
            401, detail="Send a session token as `Authorization: Bearer fs_…`.", headers=challenge
        )
    found = identity.find_session(session, token)
    if found is None:
        return problem_response(401, detail="The session has ended or is not valid.", headers=challenge)
    return token, *found


def _with_session(act: Callable[[object, tuple[str, UserSession, User]], Response]) -> Response:
    """Run `act(session, live)` for the caller's live session (`_live_session`'s 401 otherwise) and
    commit what it did; a refusal of identity's is its 409 (a conflict) or 422."""
    with current_gateway().sessions() as session:
        live = _live_session(session)
        if isinstance(live, Response):
            return live
        try:
            answer = act(session, live)
        except identity.IdentityConflict as exc:
            return problem_response(409, detail=str(exc))
        except identity.IdentityError as exc:
            return _refused(exc)
        session.commit()
        return answer


@identity_bp.route("/v1/sessions/current", methods=["GET", "DELETE"])
def current_session() -> Response:
    def answer(session, live: tuple[str, UserSession, User]) -> Response:
        token, row, user = live
        if request.method == "DELETE":
            identity.end_session(session, token)
            return Response(status=204)
        return jsonify({"user": identity.user_json(user), "expires_at": row.expires_at.isoformat()})

    return _with_session(answer)


@identity_bp.delete("/v1/sessions")
def log_out_everywhere() -> Response:
    """Every session of the caller's user ends: each browser and device is logged out."""
    return _with_session(lambda session, live: jsonify({"ended": identity.end_sessions(session, live[2].id)}))


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


# -------------------------------------------------------------------------------- second factor


@identity_bp.post("/v1/account/second-factor")
def second_factor_start() -> Response:
    def started(session, live: tuple[str, UserSession, User]) -> Response:
        secret, uri = identity.start_totp(session, live[2])
        answer = _created({"secret": secret, "otpauth_uri": uri})
        answer.headers["Cache-Control"] = "no-store"
        return answer

    return _with_session(started)


@identity_bp.post("/v1/account/second-factor/confirm")
def second_factor_confirm() -> Response:
    def confirmed(session, live: tuple[str, UserSession, User]) -> Response:
        body, user = load(SecondFactorCodeSchema()), live[2]
        identity.confirm_totp(session, user, body["code"])
        return jsonify(identity.user_json(user))

    return _with_session(confirmed)


# ---------------------------------------------------------------------------------- invitations


@identity_bp.route("/v1/invitations", methods=["GET", "POST"])
def invitations() -> Response:
    principal, refusal = _admin()
    if refusal is not None:
        return refusal
    gw = current_gateway()
    with gw.sessions() as session:
        if request.method == "GET":
            listed = identity.list_invitations(session, principal.tenant_id)
            return jsonify([identity.invitation_json(i) for i in listed])
        body = load(InvitationNewSchema())
        try:
            invitation, token = identity.invite(
                session,
                principal.tenant_id,
                body["email"],
                body.get("name"),
                body["role"],
                principal.actor,
                gw.settings.invitation_seconds,
            )
        except identity.IdentityError as exc:
            return _refused(exc)
        # the email first: an invitation nobody was told of is not kept (the 503 rolls it back)
        InvitationMail.of(gw.settings).send(session, invitation, token, principal.actor)
        session.commit()
        return _created(identity.invitation_json(invitation))


@identity_bp.post("/v1/invitations/acceptance")
def invitation_accepted() -> Response:
    throttled = _throttled()
    if throttled is not None:
        return throttled
    body = load(InvitationAcceptanceSchema())
    with current_gateway().sessions() as session:
        try:
            user = identity.accept_invitation(session, body["token"], body["password"], body.get("name"))
        except identity.InvitationGone as exc:
            if exc.status == 404:  # a guessed token counts like a wrong password
                session.rollback()  # first, as in _login_answer: SQLite's write lock
                current_gateway().auth_throttle.record_failure(request.remote_addr or "")
            return problem_response(exc.status, detail=str(exc))
        except identity.IdentityError as exc:
            return _refused(exc)
        session.commit()
        return _created(identity.user_json(user))
