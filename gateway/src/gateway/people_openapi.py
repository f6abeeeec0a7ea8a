"""The OpenAPI description of the people routes the gateway answers itself (identity_views.py):
/v1/users, /v1/sessions, /v1/account/second-factor, /v1/invitations. The bodies are the marshmallow
schemas the views load and answer with (people_schemas.py), turned into components by apispec as the
services' are; openapi.py merges them and adds the gateway's own answers (429, 503 …)."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from fieldbook_shared.problems import PROBLEM_JSON

from .people_schemas import SCHEMAS

TAG = {"name": "people", "description": "Users of a tenant, logins and sessions, second factor, invitations."}
NO_KEY: list[dict] = []  # the login and the invitation link: no key, no session yet
SESSION_ONLY = [{"bearer": []}]  # a person's session token (`fs_…`), not an API key
_TEXT = {"type": "string"}


def components() -> dict[str, dict]:
    """The schemas, as the MarshmallowPlugin documents them."""
    spec = APISpec("people", "1", "3.0.3", plugins=[MarshmallowPlugin()])
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    return spec.to_dict()["components"]["schemas"]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _json(description: str, schema: dict, **headers: dict) -> dict:
    answer: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


def _problem(description: str, **headers: dict) -> dict:
    answer: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": _ref("Problem")}},
    }
    if headers:
        answer["headers"] = headers
    return answer


_NO_STORE = {"Cache-Control": {"description": "`no-store`: the token is never cached.", "schema": _TEXT}}
_LOCATION = {"Location": {"description": "The new record's path.", "schema": _TEXT}}
_RETRY = {"Retry-After": {"description": "Seconds until the lock ends.", "schema": _TEXT}}
_CHALLENGE = {"WWW-Authenticate": {"description": '`Bearer realm="fieldbook"`', "schema": _TEXT}}
_BAD_FIELDS = _problem("A field is missing or not valid (`errors` names it).")
_NO_SESSION = _problem("No session token, or the session has ended.", **_CHALLENGE)
_LOGIN_REFUSED = _problem(
    "The email, password or code is wrong, the login challenge expired, or the user is locked "
    "(`locked`: true, with Retry-After). Never says whether the email exists.",
    **_RETRY,
)
_SESSION = _json("Logged in: the session token, shown this once.", _ref("LoginSession"), **_NO_STORE)


def _op(summary: str, responses: dict, *, body: str | None = None, security=None, **extra) -> dict:
    """One operation; its answers in the order of their status codes."""
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": ["people"],
        "responses": dict(sorted(responses.items())),
        **extra,
    }
    if body:
        operation["requestBody"] = _body(body)
    if security is not None:
        operation["security"] = security
    return operation


def _user_path(summary: str) -> dict:
    return {"name": "user_id", "in": "path", "required": True, "schema": _TEXT, "description": summary}


def _on_user(summary: str, responses: dict, *, body: str | None = None) -> dict:
    """An admin's operation on one user of the tenant (`user_id`), a 404 when there is none."""
    no_user = _problem("No such user in this tenant.")
    return _op(summary, {**responses, "404": no_user}, body=body, parameters=[_user_path("The user's id.")])


def _own_session(summary: str, responses: dict, *, body: str | None = None) -> dict:
    """An operation of a person on their own session or account: the session token only."""
    return _op(summary, {**responses, "401": _NO_SESSION}, body=body, security=SESSION_ONLY)


def _logging_in(summary: str, responses: dict, *, body: str) -> dict:
    """A step towards a session (a login, an accepted invitation): no key, no session yet."""
    return _op(summary, responses, body=body, security=NO_KEY)


def paths() -> dict[str, dict]:
    user = _json("The user.", _ref("User"))
    ended = _json("The sessions that ended.", _ref("SessionsEnded"))
    return {
        "/v1/users": {
            "get": _op(
                "The tenant's users. Admin only.",
                {"200": _json("The users.", {"type": "array", "items": _ref("User")})},
            ),
            "post": _op(
                "Make a user who logs in with this password. Admin only (or invite them: /v1/invitations).",
                {
                    "201": _json("The user.", _ref("User"), **_LOCATION),
                    "422": _BAD_FIELDS,
                },
                body="UserNew",
            ),
        },
        "/v1/users/{user_id}": {
            "get": _on_user("One user. Admin only.", {"200": user}),
            "patch": _on_user(
                "Change a user's name, role or password; disable (ends every session) or unlock. Admin only.",
                {"200": user, "422": _BAD_FIELDS},
                body="UserChange",
            ),
        },
        "/v1/users/{user_id}/sessions": {
            "delete": _on_user(
                "Log the user out everywhere: every session of theirs ends now. Admin only.", {"200": ended}
            )
        },
        "/v1/users/{user_id}/second-factor": {
            "delete": _on_user(
                "Reset the user's second factor (a lost phone): they log in with the password and may "
                "set it up again. Admin only.",
                {"204": {"description": "Reset."}},
            )
        },
        "/v1/sessions": {
            "post": _logging_in(
                "Log in with email and password. A user with a second factor gets a challenge (202) to "
                "finish with a code, unless the code came with the password. Five failures in a row "
                "lock the user for a while; failures per address are throttled (429).",
                {
                    "201": _SESSION,
                    "202": _json(
                        "The password is right; now the code: POST /v1/sessions/second-factor.",
                        _ref("LoginChallenge"),
                    ),
                    "401": _LOGIN_REFUSED,
                    "422": _BAD_FIELDS,
                },
                body="Login",
            ),
            "delete": _own_session(
                "Log out everywhere: every session of the caller's user ends (this one too).", {"200": ended}
            ),
        },
        "/v1/sessions/second-factor": {
            "post": _logging_in(
                "Finish a login with the TOTP code. A wrong code counts toward the lock.",
                {"201": _SESSION, "401": _LOGIN_REFUSED, "422": _BAD_FIELDS},
                body="SecondFactorLogin",
            )
        },
        "/v1/sessions/current": {
            "get": _own_session(
                "Who the session is for, and when it ends.",
                {"200": _json("The session.", _ref("CurrentSession"))},
            ),
            "delete": _own_session("Log out: this session ends.", {"204": {"description": "Logged out."}}),
        },
        "/v1/account/second-factor": {
            "post": _own_session(
                "Start setting up a second factor: a new TOTP secret, shown this once (put the URI in an "
                "authenticator app), in force once confirmed with a code.",
                {
                    "201": _json("The secret.", _ref("SecondFactorSetup"), **_NO_STORE),
                    "409": _problem("A second factor is already set up."),
                },
            )
        },
        "/v1/account/second-factor/confirm": {
            "post": _own_session(
                "Confirm the set-up with a code from the app: from now on every login asks for a code.",
                {
                    "200": _json("The user, with `second_factor`: true.", _ref("User")),
                    "409": _problem("Not started, or already set up."),
                    "422": _problem("The code is wrong (`errors.code`), or the body is not valid."),
                },
                body="SecondFactorCode",
            )
        },
        "/v1/invitations": {
            "get": _op(
                "The tenant's invitations, latest first. Admin only.",
                {"200": _json("The invitations.", {"type": "array", "items": _ref("Invitation")})},
            ),
            "post": _op(
                "Invite a person by email with a role: comms emails them a one-time link to the console "
                "where they set their password. A newer invitation to the same address ends an older one. "
                "Admin only. 503 when comms cannot take the email (nothing is kept).",
                {"201": _json("The invitation.", _ref("Invitation")), "422": _BAD_FIELDS},
                body="InvitationNew",
            ),
        },
        "/v1/invitations/acceptance": {
            "post": _logging_in(
                "Accept an invitation: the token from the link and a password make the user, once.",
                {
                    "201": _json("The new user (log in next).", _ref("User")),
                    "404": _problem("The token is not an invitation's."),
                    "410": _problem("The invitation was accepted already, or has expired."),
                    "422": _BAD_FIELDS,
                },
                body="InvitationAcceptance",
            )
        },
    }
