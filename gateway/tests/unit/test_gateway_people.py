"""People: /v1/users (admin only), password login with lockout, sessions as identity, log out."""

from __future__ import annotations

from gateway.identity import SESSION_FORM

PASSWORD = "correct horse battery"


def _user(gw, email="ann@acme.example", role="sales", password=PASSWORD):
    r = gw.client.post(
        "/v1/users",
        json={"email": email, "name": "Ann", "role": role, "password": password},
        headers=gw.auth("admin"),
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _login(gw, email="ann@acme.example", password=PASSWORD):
    return gw.client.post("/v1/sessions", json={"email": email, "password": password})


def test_only_admin_manages_users_and_bad_fields_are_named(gw):
    r = gw.client.post(
        "/v1/users",
        json={"email": "x@y.example", "role": "sales", "password": PASSWORD},
        headers=gw.auth("sales"),
    )
    assert r.status_code == 403
    r = gw.client.post(
        "/v1/users",
        json={"email": "x@y.example", "role": "boss", "password": PASSWORD},
        headers=gw.auth("admin"),
    )
    assert r.status_code == 422 and "role" in r.get_json()["errors"]
    r = gw.client.post(
        "/v1/users",
        json={"email": "x@y.example", "role": "sales", "password": "short"},
        headers=gw.auth("admin"),
    )
    assert r.status_code == 422 and "password" in r.get_json()["errors"]
    user = _user(gw)
    assert user["role"] == "sales" and "password_hash" not in user
    listed = gw.client.get("/v1/users", headers=gw.auth("admin")).get_json()
    assert [u["email"] for u in listed] == ["ann@acme.example"]


def test_a_session_speaks_for_the_user_with_the_users_role(gw, fake_services):
    _user(gw)
    r = _login(gw)
    assert r.status_code == 201
    token = r.get_json()["token"]
    assert token.startswith(SESSION_FORM)
    auth = {"Authorization": f"Bearer {token}"}
    r = gw.client.post("/v1/customers", json={"surname": "Smith"}, headers=auth)
    assert r.status_code == 201
    seen = fake_services["customers"].last["headers"]
    assert seen["X-Actor"] == "user:ann@acme.example"
    assert seen["X-Role"] == "sales" and seen["X-Tenant-Id"] == gw.tenant_id
    # a sales user may not take money in: the same role table as keys
    assert gw.client.post("/v1/payments", json={}, headers=auth).status_code == 403
    me = gw.client.get("/v1/sessions/current", headers=auth).get_json()
    assert me["user"]["email"] == "ann@acme.example"


def test_five_wrong_passwords_lock_the_user_and_then_the_right_one_is_refused(gw):
    _user(gw)
    for _ in range(5):
        r = _login(gw, password="wrong password!")
        assert r.status_code == 401
    r = _login(gw)
    assert r.status_code == 401
    body = r.get_json()
    assert body["locked"] is True and "locked" in body["detail"]
    assert int(r.headers["Retry-After"]) > 0
    # an admin may lift the lock
    uid = gw.client.get("/v1/users", headers=gw.auth("admin")).get_json()[0]["id"]
    assert (
        gw.client.patch(f"/v1/users/{uid}", json={"unlock": True}, headers=gw.auth("admin")).status_code
        == 200
    )
    assert _login(gw).status_code == 201


def test_log_out_and_log_out_everywhere_end_sessions_at_once(gw):
    _user(gw)
    first = {"Authorization": f"Bearer {_login(gw).get_json()['token']}"}
    second = {"Authorization": f"Bearer {_login(gw).get_json()['token']}"}
    third = {"Authorization": f"Bearer {_login(gw).get_json()['token']}"}
    assert gw.client.delete("/v1/sessions/current", headers=first).status_code == 204
    assert gw.client.get("/v1/customers", headers=first).status_code == 401
    assert gw.client.get("/v1/customers", headers=second).status_code == 200
    assert gw.client.delete("/v1/sessions", headers=second).get_json() == {"ended": 2}
    assert gw.client.get("/v1/customers", headers=second).status_code == 401
    assert gw.client.get("/v1/customers", headers=third).status_code == 401


def test_a_disabled_user_is_logged_out_and_cannot_log_in(gw):
    user = _user(gw)
    auth = {"Authorization": f"Bearer {_login(gw).get_json()['token']}"}
    r = gw.client.patch(f"/v1/users/{user['id']}", json={"disabled": True}, headers=gw.auth("admin"))
    assert r.status_code == 200
    assert gw.client.get("/v1/customers", headers=auth).status_code == 401
    assert _login(gw).status_code == 401


def test_the_services_learn_a_tenants_admins_with_the_internal_token_only(gw):
    from gateway import identity, keys

    _user(gw, "boss@acme.example", role="admin")
    _user(gw, "second@acme.example", role="admin")
    gone = _user(gw, "gone@acme.example", role="admin")
    _user(gw, "sales@acme.example", role="sales")
    r = gw.client.patch(f"/v1/users/{gone['id']}", json={"disabled": True}, headers=gw.auth("admin"))
    assert r.status_code == 200, r.get_json()
    with gw.session() as session:  # another tenant's admin
        other = keys.create_tenant(session, "Other Co")
        identity.create_user(session, other.id, "boss@other.example", "Bo", "admin", PASSWORD)
        session.commit()

    headers = {"X-Internal-Token": "test-internal-token", "X-Tenant-Id": gw.tenant_id}
    r = gw.client.get("/internal/admins", headers=headers)
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {
        "items": [
            {"email": "boss@acme.example", "name": "Ann"},
            {"email": "second@acme.example", "name": "Ann"},
        ]
    }
    # a client, even with an admin key, never reads it: the internal token only
    for refused in (
        {"X-Tenant-Id": gw.tenant_id, **gw.auth("admin")},
        {"X-Tenant-Id": gw.tenant_id, "X-Internal-Token": "guess"},
    ):
        assert gw.client.get("/internal/admins", headers=refused).status_code == 401
    no_tenant = gw.client.get("/internal/admins", headers={"X-Internal-Token": "test-internal-token"})
    assert no_tenant.status_code == 422


def test_every_refused_login_is_counted_for_its_address(gw):
    """The per-address count is written on a connection of its own: the refused login's transaction
    ends first, or on SQLite the count waited out the busy timeout and was then lost."""
    from sqlalchemy import func, select

    from gateway.store import RateWindow

    for _ in range(3):
        assert _login(gw, email="nobody@acme.example").status_code == 401
    with gw.session() as session:
        counted = session.scalar(select(func.sum(RateWindow.count)).where(RateWindow.key_id.like("auth:%")))
    assert counted == 3
