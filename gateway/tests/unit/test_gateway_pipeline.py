"""The /v1 pipeline as a client sees it: keys, roles, identity headers, limits, upstream failures."""

from __future__ import annotations

import hashlib
import os
import uuid

import pytest

from gateway import keys

CUSTOMER = str(uuid.uuid4())
PROBLEM = "application/problem+json"


def test_request_without_key_is_refused_with_401(gw, fake_services):
    resp = gw.client.get("/v1/customers")
    assert resp.status_code == 401
    assert resp.mimetype == PROBLEM
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert fake_services["customers"].calls == []


def test_unknown_key_is_refused_with_401(gw):
    resp = gw.client.get(
        "/v1/customers", headers={"Authorization": "Bearer not-a-real-key-at-all-0123456789"}
    )
    assert resp.status_code == 401
    assert resp.json["detail"] == "The API key is not valid or has been revoked."
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_key_is_refused_with_401(gw):
    with gw.session() as session:
        row, plain = keys.create_key(session, gw.tenant_id, "admin", name="old")
        keys.revoke_key(session, row.id)
        session.commit()
    assert gw.client.get("/v1/customers", headers={"X-API-Key": plain}).status_code == 401


def test_x_api_key_header_is_accepted(gw, fake_services):
    resp = gw.client.get("/v1/customers", headers={"X-API-Key": gw.keys["readonly"]})
    assert resp.status_code == 200
    assert fake_services["customers"].last["path"] == "/v1/customers"


def test_readonly_key_cannot_write(gw, fake_services):
    resp = gw.client.post("/v1/customers", json={"surname": "Smith"}, headers=gw.auth("readonly"))
    assert resp.status_code == 403
    assert resp.mimetype == PROBLEM
    assert "readonly" not in resp.json["allowed_roles"]
    assert "sales" in resp.json["allowed_roles"]
    assert fake_services["customers"].calls == []


def test_sales_cannot_block_a_customer_but_accounts_can(gw, fake_services):
    path = f"/v1/customers/{CUSTOMER}/block"
    refused = gw.client.post(path, json={"reason": "debt"}, headers=gw.auth("sales"))
    assert refused.status_code == 403
    assert refused.json["allowed_roles"] == ["admin", "accounts"]
    assert refused.json["detail"] == f"Only admin and accounts keys may POST {path}."
    assert fake_services["customers"].calls == []

    done = gw.client.post(path, json={"reason": "debt"}, headers=gw.auth("accounts"))
    assert done.status_code == 201
    assert fake_services["customers"].last["path"] == path


def test_the_refusal_names_a_person_in_the_console_a_user_not_a_key(gw, fake_services):
    r = gw.client.post(
        "/v1/users",
        json={
            "email": "sam@acme.example",
            "name": "Sam",
            "role": "sales",
            "password": "correct horse battery",
        },
        headers=gw.auth("admin"),
    )
    assert r.status_code == 201
    token = gw.client.post(
        "/v1/sessions", json={"email": "sam@acme.example", "password": "correct horse battery"}
    ).json["token"]
    path = f"/v1/customers/{CUSTOMER}/block"
    refused = gw.client.post(path, json={"reason": "debt"}, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    assert refused.json["detail"] == f"Only admin and accounts users may POST {path}."
    assert fake_services["customers"].calls == []


def test_sales_cannot_set_a_credit_limit_but_may_edit_the_name(gw):
    path = f"/v1/customers/{CUSTOMER}"
    assert (
        gw.client.patch(path, json={"credit_limit": "5000.00"}, headers=gw.auth("sales")).status_code == 403
    )
    assert gw.client.patch(path, json={"surname": "Jones"}, headers=gw.auth("sales")).status_code == 200
    assert (
        gw.client.patch(path, json={"credit_limit": "5000.00"}, headers=gw.auth("accounts")).status_code
        == 200
    )


def test_only_admin_deletes_a_customer(gw):
    path = f"/v1/customers/{CUSTOMER}"
    assert gw.client.delete(path, headers=gw.auth("accounts")).status_code == 403
    assert gw.client.delete(path, headers=gw.auth("admin")).status_code == 200


def test_client_identity_headers_are_replaced_by_the_keys(gw, fake_services):
    forged_tenant = str(uuid.uuid4())
    resp = gw.client.get(
        "/v1/customers?q=smith&page=2",
        headers={
            **gw.auth("sales"),
            "X-Tenant-Id": forged_tenant,
            "X-Role": "admin",
            "X-Actor": "someone-else",
            "X-Internal-Token": "forged",
            "X-Forwarded-For": "6.6.6.6",
            "X-Forwarded-Host": "evil.example",
            "X-Correlation-Id": "corr-123",
            "Accept": "application/json",
        },
    )
    assert resp.status_code == 200
    seen = fake_services["customers"].last
    headers = seen["headers"]
    assert headers["X-Tenant-Id"] == gw.tenant_id
    assert headers["X-Role"] == "sales"
    assert headers["X-Actor"] == "key:sales-key"
    assert headers["X-Internal-Token"] == gw.settings.internal_token != "forged"
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert headers["X-Forwarded-Host"] == "localhost"
    assert headers["X-Correlation-Id"] == "corr-123"
    assert headers["X-Request-Id"] == resp.headers["X-Request-Id"]
    assert headers["Accept"] == "application/json"
    assert "Authorization" not in headers
    assert seen["query"] == "q=smith&page=2"


def test_correlation_id_defaults_to_the_request_id(gw, fake_services):
    resp = gw.client.get("/v1/customers", headers={**gw.auth("sales"), "X-Request-Id": "req-42"})
    assert resp.headers["X-Request-Id"] == "req-42"
    assert fake_services["customers"].last["headers"]["X-Correlation-Id"] == "req-42"


def test_the_services_answer_passes_through_without_its_address(gw, fake_services):
    resp = gw.client.post("/v1/customers", json={"surname": "Smith"}, headers=gw.auth("sales"))
    assert resp.status_code == 201
    assert resp.mimetype == "application/json"
    assert resp.headers["Location"] == "http://localhost/v1/customers/123"
    assert resp.headers["ETag"] == '"v1"'
    assert resp.headers["X-Pagination"] == '{"total": 1, "page": 1}'
    assert resp.headers["Link"] == '<http://localhost/v1/customers?page=2>; rel="next"'
    assert resp.headers["X-RateLimit-Limit"] == "600"
    assert fake_services["customers"].last["body_length"] == len(b'{"surname": "Smith"}')


def test_routing_sends_customer_invoices_to_billing_and_the_customer_to_customers(gw, fake_services):
    assert (
        gw.client.get(f"/v1/customers/{CUSTOMER}/invoices", headers=gw.auth("readonly")).json["service"]
        == "billing"
    )
    assert (
        gw.client.get(f"/v1/customers/{CUSTOMER}", headers=gw.auth("readonly")).json["service"] == "customers"
    )


def test_unknown_path_is_a_404_problem(gw):
    resp = gw.client.get("/v1/nothing-here", headers=gw.auth("admin"))
    assert resp.status_code == 404
    assert resp.mimetype == PROBLEM
    assert gw.client.get("/elsewhere", headers=gw.auth("admin")).mimetype == PROBLEM


def test_dot_segments_cannot_sneak_past_the_role_table(gw, fake_services):
    resp = gw.client.post(f"/v1/customers/{CUSTOMER}/contacts/../block", json={}, headers=gw.auth("sales"))
    assert resp.status_code == 404
    assert fake_services["customers"].calls == []


def test_rate_limit_answers_429_with_retry_after(make_gateway, fake_services):
    gw = make_gateway(rate_limit_per_minute=3)
    for _ in range(3):
        assert gw.client.get("/v1/customers", headers=gw.auth("sales")).status_code == 200
    resp = gw.client.get("/v1/customers", headers=gw.auth("sales"))
    assert resp.status_code == 429
    assert resp.mimetype == PROBLEM
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert len(fake_services["customers"].calls) == 3
    # the limit is per key: another key of the same tenant is not held back
    assert gw.client.get("/v1/customers", headers=gw.auth("admin")).status_code == 200


def test_large_body_is_refused_with_413_before_forwarding(make_gateway, fake_services):
    gw = make_gateway(max_body_bytes=1000)
    resp = gw.client.post(
        "/v1/customers", data=b"x" * 1001, content_type="application/json", headers=gw.auth("sales")
    )
    assert resp.status_code == 413
    assert resp.mimetype == PROBLEM
    assert fake_services["customers"].calls == []
    ok = gw.client.post(
        "/v1/customers", data=b"x" * 1000, content_type="application/json", headers=gw.auth("sales")
    )
    assert ok.status_code == 201


def test_a_url_too_long_is_a_414_problem_before_forwarding(gw, fake_services):
    from gateway.views import MAX_URL_BYTES

    long_query = "q=" + "x" * MAX_URL_BYTES  # found by fuzzing: gunicorn's own HTML page
    resp = gw.client.get(f"/v1/customers?{long_query}", headers=gw.auth("admin"))
    assert resp.status_code == 414
    assert resp.mimetype == PROBLEM
    assert resp.json["max_bytes"] == MAX_URL_BYTES
    assert fake_services["customers"].calls == []
    assert gw.client.get("/v1/customers?q=" + "x" * 4000, headers=gw.auth("admin")).status_code == 200


def test_upstream_down_is_502_and_the_breaker_then_answers_503(gw):
    path = f"/v1/customers/{CUSTOMER}/accounting"
    for _ in range(5):  # accounting is for accounts and admin keys only
        resp = gw.client.get(path, headers=gw.auth("accounts"))
        assert resp.status_code == 502
        assert resp.json["detail"] == "The accounting-sync service is unavailable."
    opened = gw.client.get(path, headers=gw.auth("accounts"))
    assert opened.status_code == 503
    assert opened.mimetype == PROBLEM
    assert 1 <= int(opened.headers["Retry-After"]) <= 10


def test_upstream_timeout_is_504(gw, fake_services):
    resp = gw.client.get(f"/v1/customers/{CUSTOMER}/slow", headers=gw.auth("readonly"))
    assert resp.status_code == 504
    assert resp.mimetype == PROBLEM
    assert resp.json["detail"] == "The customers service did not answer in time."


def test_a_service_not_enabled_is_503_without_a_call(make_gateway, fake_services):
    gw = make_gateway(enabled_upstreams=("customers",))
    resp = gw.client.get(f"/v1/customers/{CUSTOMER}/invoices", headers=gw.auth("readonly"))
    assert resp.status_code == 503
    assert fake_services["billing"].calls == []


def test_gateway_errors_are_problems(gw):
    resp = gw.client.post("/healthz")
    assert resp.status_code == 405
    assert resp.mimetype == PROBLEM


def test_a_utf8_query_reaches_the_service_once_encoded(gw, fake_services):
    raw = b"q=caf\xc3\xa9&town=K%C3%B6ln"  # the UTF-8 bytes as a client sent them, unencoded
    environ = {"QUERY_STRING": raw.decode("latin-1")}  # WSGI carries bytes as Latin-1
    resp = gw.client.get("/v1/customers", environ_overrides=environ, headers=gw.auth("sales"))
    assert resp.status_code == 200
    seen = fake_services["customers"].last
    assert seen["query"] == "q=caf%C3%A9&town=K%C3%B6ln"
    assert seen["raw_uri"] == "/v1/customers?q=caf%C3%A9&town=K%C3%B6ln"


def test_path_bytes_reach_the_service_as_they_were_sent(gw, fake_services):
    for sent in (
        "/v1/customers/%FF",
        "/v1/customers/caf%C3%A9",
        "/v1/customers/a%25b",
        "/v1/customers/a%20b",
    ):
        assert gw.client.get(sent, headers=gw.auth("sales")).status_code == 200
        assert fake_services["customers"].last["raw_uri"] == sent


def test_without_a_raw_uri_the_path_bytes_come_from_path_info(gw, fake_services):
    environ = {"PATH_INFO": "/v1/customers/\xff", "RAW_URI": "", "REQUEST_URI": ""}  # bytes as Latin-1
    assert (
        gw.client.get("/v1/customers/x", environ_overrides=environ, headers=gw.auth("sales")).status_code
        == 200
    )
    assert fake_services["customers"].last["raw_uri"] == "/v1/customers/%FF"


def test_the_large_body_limits_hold_only_for_posts_to_the_upload_paths(make_gateway, fake_services):
    gw = make_gateway(max_body_bytes=1000, max_import_body_bytes=10_000, max_email_body_bytes=10_000)
    body = b"x" * 5000

    def send(method, path):
        return gw.client.open(
            path, method=method, data=body, content_type="application/json", headers=gw.auth("admin")
        ).status_code

    assert send("POST", "/v1/imports") == 201
    assert send("POST", "/v1/imports/") == 201
    assert send("POST", "/v1/emails") == 502  # comms is down here: the body was let through
    assert send("POST", "/v1/mass-emails") == 502
    assert send("PATCH", f"/v1/mass-emails/{CUSTOMER}/recipients") == 413
    assert send("POST", f"/v1/mass-emails/{CUSTOMER}/recipients") == 413
    assert send("PUT", "/v1/imports") == 413
    assert send("POST", f"/v1/imports/{CUSTOMER}/mapping") == 413
    assert send("POST", "/v1/email-templates") == 413


def test_a_file_upload_is_streamed_on_with_its_length_byte_for_byte(make_gateway, fake_services):
    gw = make_gateway(upstreams={"files": fake_services["billing"].url}, max_file_body_bytes=4 * 1024 * 1024)
    body = os.urandom(3 * 1024 * 1024)
    resp = gw.client.post(
        f"/v1/work-addresses/{CUSTOMER}/files",
        data=body,
        content_type="multipart/form-data; boundary=b",
        headers=gw.auth("admin"),
    )
    assert resp.status_code == 201, resp.get_json()
    seen = resp.get_json()
    assert seen["path"] == f"/v1/work-addresses/{CUSTOMER}/files"
    assert (seen["body_length"], seen["content_length"], seen["chunked"]) == (len(body), str(len(body)), None)
    assert seen["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert seen["headers"]["X-Tenant-Id"] == gw.tenant_id
    # a key that may not write: 403, the body read and dropped
    refused = gw.client.post(
        f"/v1/work-addresses/{CUSTOMER}/files",
        data=body,
        content_type="multipart/form-data; boundary=b",
        headers=gw.auth("readonly"),
    )
    assert refused.status_code == 403
    assert len(fake_services["billing"].calls) == 1


def test_a_file_upload_may_be_as_large_as_the_files_limit(make_gateway, fake_services):
    gw = make_gateway(max_body_bytes=1000, max_file_body_bytes=10_000)

    def send(method, path, size=5000):
        return gw.client.open(
            path,
            method=method,
            data=b"x" * size,
            content_type="multipart/form-data; boundary=b",
            headers=gw.auth("admin"),
        ).status_code

    # files is down here: 502 means the body was let through
    for owner in ("customers", "work-addresses", "jobs", "assets"):
        assert send("POST", f"/v1/{owner}/{CUSTOMER}/files") == 502
    assert send("POST", f"/v1/customers/{CUSTOMER}/files", size=10_001) == 413
    assert send("PUT", f"/v1/customers/{CUSTOMER}/files") == 413
    assert send("POST", f"/v1/files/{CUSTOMER}") == 413
    assert send("POST", f"/v1/customers/{CUSTOMER}/notes") == 413


def test_headers_that_rewrite_method_url_or_address_never_reach_the_service(gw, fake_services):
    sneaky = {
        "X-HTTP-Method-Override": "DELETE",
        "X-HTTP-Method": "DELETE",
        "X-Method-Override": "DELETE",
        "X-Original-URL": "/v1/customers/x/erase",
        "X-Rewrite-URL": "/v1/customers/x/erase",
        "X-Real-IP": "6.6.6.6",
    }
    assert gw.client.get("/v1/customers", headers={**gw.auth("readonly"), **sneaky}).status_code == 200
    seen = {k.lower() for k in fake_services["customers"].last["headers"]}
    assert not seen & {k.lower() for k in sneaky}


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("corr-123", True),
        ("order:42.retry_1", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("has space", False),
        ('quote"d', False),
        ("caf\xe9", False),
    ],
)
def test_only_a_plain_correlation_id_is_forwarded(gw, fake_services, sent, kept):
    resp = gw.client.get("/v1/customers", headers={**gw.auth("sales"), "X-Correlation-Id": sent})
    forwarded = fake_services["customers"].last["headers"]["X-Correlation-Id"]
    if kept:
        assert forwarded == sent
    else:
        assert forwarded == resp.headers["X-Request-Id"]


def test_a_request_id_that_is_not_a_plain_token_is_not_reused_as_correlation_id(gw, fake_services):
    gw.client.get(
        "/v1/customers", headers={**gw.auth("sales"), "X-Request-Id": "two words", "X-Correlation-Id": "<x>"}
    )
    forwarded = fake_services["customers"].last["headers"]["X-Correlation-Id"]
    assert str(uuid.UUID(forwarded)) == forwarded


def test_the_overview_forwards_only_a_plain_correlation_id(gw, fake_services):
    headers = {**gw.auth("admin"), "X-Correlation-Id": "bad id\x7f"}
    resp = gw.client.get(f"/v1/customers/{CUSTOMER}/overview", headers=headers)
    assert resp.status_code == 200
    assert {c["headers"]["X-Correlation-Id"] for c in fake_services["billing"].calls} == {
        resp.headers["X-Request-Id"]
    }
    headers["X-Correlation-Id"] = "journey-7"
    gw.client.get(f"/v1/customers/{CUSTOMER}/overview", headers=headers)
    assert fake_services["billing"].last["headers"]["X-Correlation-Id"] == "journey-7"
