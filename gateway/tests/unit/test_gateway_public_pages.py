"""Public pages (`/v1/public/...`, a quote's acceptance link): no API key, no tenant forwarded; the
other guarantees (routes, rate limit per address, body limit, internal token) still hold."""

from __future__ import annotations

import pytest

from gateway.openapi import merge_specs

PROBLEM = "application/problem+json"
PAGE = "/v1/public/quotes/eyJ0ZW5hbnQiOiJ0In0.c2lnbmF0dXJl"


def test_a_public_page_passes_without_a_key_and_without_a_tenant(gw, fake_services):
    resp = gw.client.post(PAGE, json={"decision": "accept", "name": "Ann"})
    assert resp.status_code == 201  # the fake service's answer to a POST
    seen = fake_services["billing"].last
    assert seen["path"] == PAGE
    headers = seen["headers"]
    assert "X-Tenant-Id" not in headers
    assert (headers["X-Actor"], headers["X-Role"]) == ("public", "readonly")
    assert headers["X-Internal-Token"] == gw.settings.internal_token
    assert "X-RateLimit-Remaining" in resp.headers


def test_a_public_page_never_forwards_a_tenant_or_key_the_client_sends(gw, fake_services):
    resp = gw.client.get(PAGE, headers={"X-Tenant-Id": gw.tenant_id, "X-Role": "admin", **gw.auth("admin")})
    assert resp.status_code == 200
    headers = fake_services["billing"].last["headers"]
    assert "X-Tenant-Id" not in headers and "Authorization" not in headers
    assert headers["X-Role"] == "readonly"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/customers",
        "/v1/quotes",
        "/v1/public",  # the prefix alone is no page
        "/v1/publicity",
        "/v1/customers/x/overview",
    ],
)
def test_everything_else_still_needs_a_key(gw, fake_services, path):
    resp = gw.client.get(path)
    assert resp.status_code == 401
    assert resp.mimetype == PROBLEM
    assert all(s.calls == [] for s in fake_services.values())


def test_a_public_path_no_service_owns_is_404(gw, fake_services):
    for path in ("/v1/public/customers/x", "/v1/public/quotes/../../customers"):
        assert gw.client.get(path).status_code == 404
    assert all(s.calls == [] for s in fake_services.values())


def test_public_pages_are_rate_limited_per_address(make_gateway, fake_services):
    gw = make_gateway(rate_limit_per_minute=3)
    for _ in range(3):
        assert gw.client.get(PAGE).status_code == 200
    resp = gw.client.get(PAGE)
    assert resp.status_code == 429 and resp.mimetype == PROBLEM
    assert int(resp.headers["Retry-After"]) >= 1
    other = gw.client.get(PAGE, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_a_public_page_keeps_the_body_limit(make_gateway, fake_services):
    gw = make_gateway(max_body_bytes=100)
    resp = gw.client.post(PAGE, data=b"x" * 200, content_type="application/json")
    assert resp.status_code == 413
    assert fake_services["billing"].calls == []


def test_public_operations_are_documented_without_security():
    def get() -> dict:
        return {"get": {"responses": {"200": {"description": "ok"}, "403": {"description": "bad link"}}}}

    spec = {"openapi": "3.0.3", "info": {"title": "b", "version": "1"}, "components": {}}
    paths = {"/v1/public/quotes/{token}": get(), "/v1/quotes": get()}
    doc = merge_specs({"billing": {**spec, "paths": paths}})
    public = doc["paths"]["/v1/public/quotes/{token}"]["get"]
    assert public["security"] == []
    assert "401" not in public["responses"] and public["responses"]["403"] == {"description": "bad link"}
    assert "429" in public["responses"]
    staff = doc["paths"]["/v1/quotes"]["get"]
    assert "401" in staff["responses"]
    # a key, or a token with the operation's scope
    assert staff["security"] == [{"bearer": []}, {"apiKey": []}, {"oauth2": ["billing:read"]}]
    assert (
        "billing:read"
        in doc["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]["scopes"]
    )
