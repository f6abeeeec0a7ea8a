"""People beyond the password: the TOTP second factor, invitations by email (comms sends them), an
admin logging a user out everywhere, and the people routes in /openapi.json."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from flask import Flask, request
from sqlalchemy import update
from werkzeug.serving import make_server

from fieldbook_shared.db import utcnow
from gateway import people_openapi
from gateway.store import Invitation

PASSWORD = "correct horse battery"


class FakeComms:
    """comms' POST /v1/emails: records what it was asked and answers `status` (202: queued)."""

    def __init__(self):
        self.emails: list[dict] = []
        self.status = 202
        app = Flask("comms")

        @app.post("/v1/emails")
        def emails():
            self.emails.append({"body": request.get_json(), "headers": dict(request.headers)})
            return {"id": "e1", "status": "queued"}, self.status

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def comms():
    fake = FakeComms()
    yield fake
    fake.server.shutdown()


@pytest.fixture
def people(make_gateway, comms):
    comms.emails.clear()
    comms.status = 202
    return make_gateway(upstreams={"comms": comms.url}, public_url="https://fieldbook.example")


def _user(gw, email="ann@acme.example", role="sales"):
    body = {"email": email, "name": "Ann", "role": role, "password": PASSWORD}
    r = gw.client.post("/v1/users", json=body, headers=gw.auth("admin"))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _login(gw, email="ann@acme.example", password=PASSWORD, **more):
    return gw.client.post("/v1/sessions", json={"email": email, "password": password, **more})


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _code(secret: str, steps_ahead: int = 0) -> str:
    """The code of the current time step (or the next: a code is accepted once, a step either side)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def _enrol(gw) -> tuple[str, dict]:
    auth = _bearer(_login(gw).get_json()["token"])
    r = gw.client.post("/v1/account/second-factor", headers=auth)
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    setup = r.get_json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/Fieldbook:ann%40acme.example?")
    assert f"secret={setup['secret']}" in setup["otpauth_uri"]
    # not in force until a code confirms it
    assert _login(gw).status_code == 201
    r = gw.client.post("/v1/account/second-factor/confirm", json={"code": "000000"}, headers=auth)
    if r.status_code == 200:  # 000000 was, by chance, the right code: a fresh start
        pytest.skip("the random secret's code was 000000")
    assert r.status_code == 422 and "code" in r.get_json()["errors"]
    r = gw.client.post(
        "/v1/account/second-factor/confirm", json={"code": _code(setup["secret"])}, headers=auth
    )
    assert r.status_code == 200 and r.get_json()["second_factor"] is True
    assert gw.client.post("/v1/account/second-factor", headers=auth).status_code == 409
    return setup["secret"], auth


def test_with_a_second_factor_a_right_password_gets_a_challenge_that_a_code_finishes(gw):
    _user(gw)
    secret, _ = _enrol(gw)
    r = _login(gw)
    assert r.status_code == 202, r.get_json()
    challenge = r.get_json()
    assert challenge["second_factor"] == "totp" and challenge["challenge"].startswith("fc_")
    assert "token" not in challenge
    code = _code(secret, 1)
    r = gw.client.post("/v1/sessions/second-factor", json={"challenge": challenge["challenge"], "code": code})
    assert r.status_code == 201 and r.get_json()["token"].startswith("fs_")
    assert gw.client.get("/v1/customers", headers=_bearer(r.get_json()["token"])).status_code == 200
    # the challenge is used up, and the code too (never accepted twice)
    r = gw.client.post("/v1/sessions/second-factor", json={"challenge": challenge["challenge"], "code": code})
    assert r.status_code == 401
    assert _login(gw, code=code).status_code == 401


def test_a_wrong_code_counts_toward_the_lock(gw):
    _user(gw)
    secret, _ = _enrol(gw)
    challenge = _login(gw).get_json()["challenge"]
    for _ in range(5):
        r = gw.client.post("/v1/sessions/second-factor", json={"challenge": challenge, "code": "12345x"})
        assert r.status_code == 401
    r = gw.client.post("/v1/sessions/second-factor", json={"challenge": challenge, "code": _code(secret, 1)})
    assert r.status_code == 401 and r.get_json()["locked"] is True and int(r.headers["Retry-After"]) > 0
    # a right password does not start the count again: still locked
    assert _login(gw).get_json()["locked"] is True


def test_the_code_may_come_with_the_password_and_an_admin_resets_the_second_factor(gw):
    user = _user(gw)
    secret, _ = _enrol(gw)
    r = _login(gw, code=_code(secret, 1))
    assert r.status_code == 201
    assert _login(gw, code="999999" if _code(secret) != "999999" else "111111").status_code == 401
    assert (
        gw.client.delete(f"/v1/users/{user['id']}/second-factor", headers=gw.auth("sales")).status_code == 403
    )
    r = gw.client.delete(f"/v1/users/{user['id']}/second-factor", headers=gw.auth("admin"))
    assert r.status_code == 204
    r = _login(gw)
    assert r.status_code == 201 and r.get_json()["user"]["second_factor"] is False


def test_second_factor_routes_need_a_session_not_a_key(gw):
    assert gw.client.post("/v1/account/second-factor", headers=gw.auth("admin")).status_code == 401
    r = gw.client.post("/v1/sessions/second-factor", json={"challenge": "fc_nope", "code": "123456"})
    assert r.status_code == 401
    r = gw.client.post("/v1/sessions/second-factor", json={"code": 123456})
    assert r.status_code == 422 and set(r.get_json()["errors"]) == {"challenge", "code"}


def test_an_admin_logs_a_user_out_everywhere(gw, make_gateway):
    user = _user(gw)
    sessions = [_bearer(_login(gw).get_json()["token"]) for _ in range(2)]
    assert (
        gw.client.delete(f"/v1/users/{user['id']}/sessions", headers=gw.auth("accounts")).status_code == 403
    )
    r = gw.client.delete(f"/v1/users/{user['id']}/sessions", headers=gw.auth("admin"))
    assert r.status_code == 200 and r.get_json() == {"ended": 2}
    assert all(gw.client.get("/v1/customers", headers=s).status_code == 401 for s in sessions)
    assert gw.client.delete("/v1/users/nobody/sessions", headers=gw.auth("admin")).status_code == 404


def _invite(gw, **body):
    return gw.client.post(
        "/v1/invitations",
        json={"email": "bob@acme.example", "role": "engineer", **body},
        headers=gw.auth("admin"),
    )


def _link(comms) -> str:
    return next(w for w in comms.emails[-1]["body"]["body"].split() if w.startswith("https://"))


def _token(comms) -> str:
    return parse_qs(urlparse(_link(comms)).query)["token"][0]


def test_an_invitation_is_emailed_through_comms_and_accepted_once(people, comms):
    r = _invite(people, name="Bob")
    assert r.status_code == 201, r.get_json()
    invitation = r.get_json()
    assert invitation["status"] == "pending" and invitation["invited_by"] == "key:admin-key"
    sent = comms.emails[-1]
    assert sent["body"]["to"] == "bob@acme.example" and "Acme Heating" in sent["body"]["subject"]
    assert (
        sent["headers"]["X-Actor"] == "key:admin-key" and sent["headers"]["X-Tenant-Id"] == people.tenant_id
    )
    assert _link(comms).startswith("https://fieldbook.example/console/invitation?token=fi_")
    token = _token(comms)

    r = people.client.post("/v1/invitations/acceptance", json={"token": token, "password": "short"})
    assert r.status_code == 422 and "password" in r.get_json()["errors"]
    r = people.client.post("/v1/invitations/acceptance", json={"token": token, "password": PASSWORD})
    assert r.status_code == 201
    user = r.get_json()
    assert (user["email"], user["role"], user["name"]) == ("bob@acme.example", "engineer", "Bob")
    assert user["tenant_id"] == people.tenant_id
    r = people.client.post("/v1/invitations/acceptance", json={"token": token, "password": PASSWORD})
    assert r.status_code == 410 and "accepted already" in r.get_json()["detail"]
    assert _login(people, "bob@acme.example").status_code == 201
    listed = people.client.get("/v1/invitations", headers=people.auth("admin")).get_json()
    assert [(i["status"], i["user_id"]) for i in listed] == [("accepted", user["id"])]
    # the person exists now: inviting them again is refused
    r = _invite(people)
    assert r.status_code == 422 and "email" in r.get_json()["errors"]


def test_an_expired_or_superseded_invitation_is_gone_and_an_unknown_one_is_not_found(people, comms):
    assert _invite(people).status_code == 201
    first = _token(comms)
    assert _invite(people).status_code == 201
    second = _token(comms)
    accept = {"password": PASSWORD}
    r = people.client.post("/v1/invitations/acceptance", json={**accept, "token": first})
    assert r.status_code == 410 and "expired" in r.get_json()["detail"]
    with people.session() as session:
        session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    r = people.client.post("/v1/invitations/acceptance", json={**accept, "token": second})
    assert r.status_code == 410
    r = people.client.post("/v1/invitations/acceptance", json={**accept, "token": "fi_guessed"})
    assert r.status_code == 404


def test_only_admins_invite_and_nothing_is_kept_when_comms_does_not_take_the_email(people, comms):
    r = people.client.post(
        "/v1/invitations", json={"email": "c@acme.example", "role": "sales"}, headers=people.auth("sales")
    )
    assert r.status_code == 403
    r = _invite(people, role="boss")
    assert r.status_code == 422 and "role" in r.get_json()["errors"]
    comms.status = 500
    r = _invite(people)
    assert r.status_code == 503 and r.get_json()["status"] == 503
    assert people.client.get("/v1/invitations", headers=people.auth("admin")).get_json() == []


def test_a_users_actions_carry_the_user_as_actor(people, comms):
    _user(people, email="root@acme.example", role="admin")
    auth = _bearer(_login(people, "root@acme.example").get_json()["token"])
    r = people.client.post("/v1/invitations", json={"email": "d@acme.example", "role": "sales"}, headers=auth)
    assert r.status_code == 201 and r.get_json()["invited_by"] == "user:root@acme.example"
    assert comms.emails[-1]["headers"]["X-Actor"] == "user:root@acme.example"


def test_every_people_route_is_in_the_document_with_its_security(gw):
    doc = gw.client.get("/openapi.json").get_json()
    documented = {(p, m) for p, item in doc["paths"].items() for m in item}
    for rule in gw.app.url_map.iter_rules():
        if rule.endpoint.startswith("identity.") and rule.rule.startswith("/v1/"):  # not /internal
            path = rule.rule.replace("<user_id>", "{user_id}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method.lower()) in documented, (path, method)
    assert set(people_openapi.paths()) <= set(doc["paths"])
    login = doc["paths"]["/v1/sessions"]["post"]
    assert login["security"] == [] and {"201", "202", "401", "422", "429"} <= set(login["responses"])
    assert doc["paths"]["/v1/sessions/current"]["get"]["security"] == [{"bearer": []}]
    assert {"bearer": []} in doc["paths"]["/v1/users"]["get"]["security"]
    assert "403" in doc["paths"]["/v1/invitations"]["post"]["responses"]
    user = doc["components"]["schemas"]["User"]
    assert {"email", "role", "second_factor"} <= set(user["required"])
    body = doc["paths"]["/v1/invitations/acceptance"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/InvitationAcceptance"}


def test_text_postgresql_cannot_hold_and_unreadable_json_are_refused_by_name(gw):
    r = gw.client.post("/v1/sessions", json={"email": "a\x00@b.example", "password": "x"})
    assert r.status_code == 422 and "email" in r.get_json()["errors"]
    r = gw.client.post(
        "/v1/users",
        data='{"email": "a@b.example", "name": "\\udfff"}',
        content_type="application/json",
        headers=gw.auth("admin"),
    )
    assert r.status_code == 422 and "name" in r.get_json()["errors"]
    r = gw.client.post("/v1/invitations/acceptance", data="{not json", content_type="application/json")
    assert r.status_code == 422 and "json" in r.get_json()["errors"]
