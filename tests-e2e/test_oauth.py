"""OAuth2 client credentials and keys as an API, through the gateway (issue 18 parts 2 and 3).

A client's token is checked by signature, issuer and expiry alone, and limited to its scopes per
route; a `partner` key to the scopes it was given; a revoked key stops within KEY_CACHE_SECONDS
(30 s, gateway/README.md); an expiring key at its expiry.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from harness.api import assert_problem, company_customer, create_customer, expect
from harness.polling import consistently, eventually

KEY_CACHE_SECONDS = 30  # the gateway's default, as its README states


def _client(tenant, *scopes: str, role: str | None = None) -> dict:
    body: dict = {"name": f"crm-sync-{len(scopes)}", "scopes": list(scopes)}
    if role:
        body["role"] = role
    return expect(tenant.admin.post("/v1/oauth-clients", json=body), 201).json()


def _token(base_url: str, client: dict, **data: str) -> requests.Response:
    return requests.post(
        f"{base_url}/oauth/token",
        data={"grant_type": "client_credentials", **data},
        auth=(client["client_id"], client["client_secret"]),
        timeout=10,
    )


def test_a_customers_read_client_reads_customers_and_nothing_else(system, tenant):
    customer = create_customer(tenant.admin, company_customer())
    client = _client(tenant, "customers:read")
    assert client["scopes"] == ["customers:read"] and client["role"] == "partner"
    listed = expect(tenant.admin.get("/v1/oauth-clients"), 200).json()["items"]
    assert [c["client_id"] for c in listed] == [client["client_id"]]
    assert all("client_secret" not in c for c in listed), "the secret is shown once"

    answer = expect(_token(system.gateway_url, client), 200).json()
    assert answer["token_type"].lower() == "bearer" and answer["scope"] == "customers:read"
    assert 0 < answer["expires_in"] <= 3600

    # the token verifies against the published JWKS and says whose it is
    jwks = expect(requests.get(f"{system.gateway_url}/.well-known/jwks.json", timeout=10), 200).json()
    claims = jwt.decode(answer["access_token"], KeySet.import_key_set(jwks)).claims
    assert claims["tenant_id"] == tenant.id and claims["client_id"] == client["client_id"]
    assert claims["exp"] > time.time()

    api = system.client(answer["access_token"])
    read = expect(api.get(f"/v1/customers/{customer['id']}"), 200).json()
    assert read["id"] == customer["id"]
    refused = assert_problem(api.post("/v1/customers", json=company_customer()), 403)
    assert refused["required_scope"] == "customers:write"
    refused = assert_problem(api.get("/v1/invoices"), 403)
    assert refused["required_scope"] == "billing:read"
    assert_problem(api.get("/v1/api-keys"), 403)  # a client never manages keys

    # client_secret_post works too; a wrong secret does not
    by_post = requests.post(
        f"{system.gateway_url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
        timeout=10,
    )
    expect(by_post, 200)
    wrong = _token(system.gateway_url, {**client, "client_secret": "fbs_wrong"})
    assert assert_problem(wrong, 401)["error"] == "invalid_client"
    # a scope it was not given is not granted
    wider = expect(_token(system.gateway_url, client, scope="customers:read billing:read"), 200).json()
    assert wider["scope"] == "customers:read"

    # revoked: no new tokens
    expect(tenant.admin.delete(f"/v1/oauth-clients/{client['client_id']}"), 204)
    assert assert_problem(_token(system.gateway_url, client), 401)["error"] == "invalid_client"


def test_an_expired_token_is_refused(system, tenant):
    client = _client(tenant, "customers:read", "customers:write")
    url = system.start_extra_gateway("gateway-short-tokens", OAUTH_TOKEN_SECONDS="2")
    try:
        token = expect(_token(url, client), 200).json()["access_token"]
        api = system.client(token)
        expect(api.get("/v1/customers"), 200)
        expires = jwt.decode(
            token, KeySet.import_key_set(requests.get(f"{url}/.well-known/jwks.json").json())
        )
        time.sleep(max(0.0, expires.claims["exp"] - time.time()) + 1.5)
        refused = assert_problem(api.get("/v1/customers"), 401)
        assert "expired" in refused["detail"]
        assert 'error="invalid_token"' in api.get("/v1/customers").headers["WWW-Authenticate"]
    finally:
        system.remove_process("gateway-short-tokens")
    # a forged token (not signed by the gateway) is refused the same way
    assert_problem(system.client(token[:-4] + "AAAA").get("/v1/customers"), 401)


def test_keys_as_an_api_with_scopes_expiry_and_revocation(system, tenant):
    admin = tenant.admin
    customer = create_customer(admin, company_customer())
    made = expect(
        admin.post(
            "/v1/api-keys", json={"name": "partner-crm", "role": "partner", "scopes": ["customers:read"]}
        ),
        201,
    ).json()
    assert made["key"].startswith("fb_") and made["scopes"] == ["customers:read"]
    # a partner key without scopes is refused, naming the field
    missing = assert_problem(admin.post("/v1/api-keys", json={"name": "p2", "role": "partner"}), 422)
    assert "scopes" in missing["errors"]
    assert_problem(tenant.client("sales").get("/v1/api-keys"), 403)

    partner = system.client(made["key"])
    expect(partner.get(f"/v1/customers/{customer['id']}"), 200)
    assert assert_problem(partner.post("/v1/customers", json=company_customer()), 403)["required_scope"] == (
        "customers:write"
    )
    assert_problem(partner.get("/v1/invoices"), 403)

    listed = {k["id"]: k for k in expect(admin.get("/v1/api-keys"), 200).json()["items"]}
    mine = listed[made["id"]]
    assert "key" not in mine, "the key is shown once"
    assert (
        mine["name"] == "partner-crm" and mine["role"] == "partner" and mine["scopes"] == ["customers:read"]
    )
    assert mine["created_at"] and mine["last_used_at"] and mine["expires_at"] is None

    # revoked: 401 within the cache time the README states
    expect(admin.delete(f"/v1/api-keys/{made['id']}"), 204)
    revoked_at = time.monotonic()
    eventually(
        lambda: partner.get("/v1/customers").status_code == 401,
        timeout=KEY_CACHE_SECONDS + 3,
        interval=0.5,
        message="a revoked key still works past KEY_CACHE_SECONDS",
    )
    assert time.monotonic() - revoked_at <= KEY_CACHE_SECONDS + 3
    # once the cache time has passed no gateway worker still trusts it: every request is refused
    time.sleep(max(0.0, revoked_at + KEY_CACHE_SECONDS + 1 - time.monotonic()))
    consistently(lambda: partner.get("/v1/customers").status_code == 401, duration=2, interval=0.1)
    assert_problem(partner.get("/v1/customers"), 401)
    assert expect(admin.get("/v1/api-keys"), 200).json()["items"] and any(
        k["id"] == made["id"] and k["revoked_at"] for k in admin.get("/v1/api-keys").json()["items"]
    )

    # expiry enforced: a key that expires in 3 s works, then stops at its expiry
    expires_at = datetime.now(UTC) + timedelta(seconds=3)
    short = expect(
        admin.post(
            "/v1/api-keys", json={"name": "short", "role": "sales", "expires_at": expires_at.isoformat()}
        ),
        201,
    ).json()
    short_api = system.client(short["key"])
    expect(short_api.get("/v1/customers"), 200)
    time.sleep(max(0.0, (expires_at - datetime.now(UTC)).total_seconds()) + 1)
    assert_problem(short_api.get("/v1/customers"), 401)


# the gateway's own credentials and people: admin keys and sessions only, no scope grants them
CREDENTIALS = (
    "/v1/api-keys",
    "/v1/oauth-clients",
    "/v1/users",
    "/v1/sessions",
    "/v1/account",
    "/v1/invitations",
)


def test_the_openapi_names_a_scope_for_every_operation_and_documents_the_token_endpoint(system, tenant):
    doc = expect(tenant.admin.get("/openapi.json"), 200).json()
    assert "x-fieldbook-unavailable" not in doc
    schemes = doc["components"]["securitySchemes"]
    granted = schemes["oauth2"]["flows"]["clientCredentials"]["scopes"]
    assert {"servicing:read", "files:write", "accounting:read", "exports:read"} <= set(granted)
    assert schemes["apiKey"]["name"] == "X-API-Key" and schemes["bearer"]["scheme"] == "bearer"
    unscoped = []
    for path, item in doc["paths"].items():
        if not path.startswith("/v1/") or path.startswith("/v1/public/"):
            continue
        for method, operation in item.items():
            if method in ("get", "put", "post", "patch", "delete"):
                scopes = [s["oauth2"] for s in operation["security"] if "oauth2" in s]
                credential = any(path == c or path.startswith(c + "/") for c in CREDENTIALS)
                if not (scopes and scopes[0] and scopes[0][0] in granted) and not credential:
                    unscoped.append(f"{method.upper()} {path}")
    assert unscoped == [], unscoped

    token_op = doc["paths"]["/oauth/token"]["post"]
    assert "application/x-www-form-urlencoded" in token_op["requestBody"]["content"]
    assert set(token_op["responses"]) == {"200", "400", "401"}
    refused = requests.post(
        f"{system.gateway_url}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
        timeout=10,
    )
    # a client that authenticates in the form is refused 400 (RFC 6749 §5.2: 401 is for HTTP Basic)
    assert refused.status_code == 400 and refused.headers["Content-Type"].startswith(
        "application/problem+json"
    )
    assert refused.json()["error"] == "invalid_client" and refused.json()["error_description"]
    basic = requests.post(
        f"{system.gateway_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("nobody", "x"),
        timeout=10,
    )
    assert basic.status_code == 401 and basic.json()["error"] == "invalid_client"
    assert "get" in doc["paths"]["/.well-known/jwks.json"] and "get" in doc["paths"]["/asyncapi.json"]


def test_a_servicing_client_reads_contracts_but_not_files(system, tenant):
    client = _client(tenant, "servicing:read")
    api = system.client(expect(_token(system.gateway_url, client), 200).json()["access_token"])
    expect(api.get("/v1/contracts"), 200)
    assert assert_problem(api.post("/v1/service-plans", json={}), 403)["required_scope"] == "servicing:write"
    assert assert_problem(api.get("/v1/files"), 403)["required_scope"] == "files:read"
