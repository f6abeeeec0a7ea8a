"""The console's people pages: the TOTP code step of a login, the person's own account (set up a
second factor, log out everywhere), the admin's people page (invite by email, log a user out
everywhere, reset a second factor) and the invitation link's page (choose a password).

Like every page, each is a client of the gateway's public API (/v1/sessions, /v1/account,
/v1/users, /v1/invitations); what a role may do is the gateway's decision.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for

from .api import Api
from .views import ROLES, api, login_required, read, refused, settings, start_session

people_bp = Blueprint("people", __name__, url_prefix="/console")


def _anonymous() -> Api:
    return Api(settings().gateway_url, None, settings().timeout)


# ------------------------------------------------------------------------ login: the code step


@people_bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    challenge = session.get("challenge")
    if not challenge:
        return redirect(url_for("console.login_page"))
    error, status = None, 200
    if request.method == "POST":
        answer = _anonymous().post(
            "/v1/sessions/second-factor",
            {"challenge": challenge, "code": request.form.get("code", "").strip()},
        )
        if answer.ok:
            return start_session(answer.body, session.get("next", ""))
        error, status = answer.detail or "The code was refused.", answer.status
        if answer.status == 401 and "log in again" in error:
            session.pop("challenge", None)  # the challenge is over: back to the password
    return render_template("login_code.html", error=error), status


# ----------------------------------------------------------------------------- the own account


@people_bp.route("/account", methods=["GET"])
@login_required
def account():
    me = read(api(), "/v1/sessions/current")
    return render_template(
        "account.html", me=me["user"], setup=None, error=None, done=request.args.get("done")
    )


@people_bp.post("/account/second-factor")
@login_required
def second_factor_start():
    answer = api().post("/v1/account/second-factor")
    if answer.status != 201:
        return refused(answer)
    me = api().get("/v1/sessions/current").body["user"]
    return render_template("account.html", me=me, setup=answer.body, error=None, done=None)


@people_bp.post("/account/second-factor/confirm")
@login_required
def second_factor_confirm():
    answer = api().post("/v1/account/second-factor/confirm", {"code": request.form.get("code", "").strip()})
    if answer.ok:
        return redirect(url_for("people.account", done="second-factor"))
    if answer.status != 422:
        return refused(answer)
    me = api().get("/v1/sessions/current").body["user"]
    setup = {"secret": request.form.get("secret", ""), "otpauth_uri": request.form.get("otpauth_uri", "")}
    error = answer.field_errors.get("code") or answer.detail
    return render_template("account.html", me=me, setup=setup, error=error, done=None), 422


# --------------------------------------------------------------------------- the people (admin)


def _admin_only() -> None:
    if g.user.get("role") != "admin":
        abort(403)


def _people_page(
    errors: dict | None = None, values: dict | None = None, message: str | None = None, status=200
):
    users = read(api(), "/v1/users")
    invitations = read(api(), "/v1/invitations")
    return render_template(
        "people.html",
        users=users,
        invitations=[i for i in invitations if i["status"] == "pending"],
        roles=ROLES,
        errors=errors or {},
        values=values or {},
        message=message or request.args.get("message"),
    ), status


@people_bp.get("/people")
@login_required
def people():
    _admin_only()
    return _people_page()


@people_bp.post("/people/invitations")
@login_required
def invite():
    _admin_only()
    body = {k: request.form.get(k, "").strip() for k in ("email", "name", "role")}
    if not body["name"]:
        del body["name"]
    answer = api().post("/v1/invitations", body)
    if answer.status == 201:
        return redirect(url_for("people.people", message=f"Invitation sent to {answer.body['email']}."))
    if answer.status != 422:
        return refused(answer)
    return _people_page(answer.field_errors, dict(request.form), answer.detail, 422)


@people_bp.post("/people/<user_id>/sessions")
@login_required
def user_logged_out_everywhere(user_id: str):
    return _undone(f"/v1/users/{user_id}/sessions", lambda body: f"{body['ended']} session(s) ended.")


@people_bp.post("/people/<user_id>/second-factor")
@login_required
def user_second_factor_reset(user_id: str):
    return _undone(f"/v1/users/{user_id}/second-factor", lambda _body: "The second factor was reset.")


def _undone(path: str, message: Callable[[dict], str]):
    """An administrator undoing something of a user's (their sessions, their second factor): the
    DELETE, then back to People saying what happened (from the API's answer), or the refusal."""
    _admin_only()
    answer = api().delete(path)
    if not answer.ok:
        return refused(answer)
    return redirect(url_for("people.people", message=message(answer.body)))


# -------------------------------------------------------------------- the invitation link's page


@people_bp.route("/invitation", methods=["GET", "POST"])
def invitation():
    token = request.values.get("token", "")
    errors, message, status = {}, None, 200
    if request.method == "POST":
        body = {"token": token, "password": request.form.get("password", "")}
        if request.form.get("name", "").strip():
            body["name"] = request.form["name"].strip()
        answer = _anonymous().post("/v1/invitations/acceptance", body)
        if answer.status == 201:
            return redirect(url_for("console.login_page", welcome=answer.body["email"]))
        errors, message, status = answer.field_errors, answer.detail, answer.status
    return render_template("invitation.html", token=token, errors=errors, message=message), status
