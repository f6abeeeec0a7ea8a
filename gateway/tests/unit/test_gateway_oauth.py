"""OAuth2 client credentials, scopes per route, and keys as an API (oauth.py, scopes.py,
credentials_api.py)."""

from __future__ import annotations

import base64
from datetime import timedelta

from fieldbook_shared.db import utcnow
from gateway import keys, scopes


def _client(gw, *granted: str, role: str | None = None) -> dict:
    body: dict = {"name": "crm-sync", "scopes": list(granted)}
    if role:
        body["role"] = role
    r = gw.client.post("/v1/oauth-clients", json=body, headers=gw.auth("admin"))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _token(gw, client: dict, **form: str):
    basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
    return gw.client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", **form},
        headers={"Authorization": f"Basic {basic}"},
    )


def test_scopes_follow_the_route_and_method():
    assert scopes.required_scope("GET", "/v1/customers/1") == "customers:read"
    assert scopes.required_scope("POST", "/v1/customers") == "customers:write"
    assert scopes.required_scope("GET", "/v1/customers/1/invoices") == "billing:read"
    assert scopes.required_scope("DELETE", "/v1/webhooks/1") == "webhooks:manage"
    assert scopes.required_scope("GET", "/v1/accounting/business") == "accounting:read"
    assert scopes.required_scope("GET", "/v1/api-keys") == scopes.NO_SCOPE


def test_a_client_token_reads_within_its_scope_only(gw, fake_services):
    client = _client(gw, "customers:read")
    r = _token(gw, client)
    assert r.status_code == 200, r.get_json()
    token = r.get_json()["access_token"]
    assert r.get_json()["scope"] == "customers:read"
    auth = {"Authorization": f"Bearer {token}"}

    assert gw.client.get("/v1/customers", headers=auth).status_code == 200
    sent = fake_services["customers"].last["headers"]
    assert sent["X-Actor"] == "client:crm-sync" and sent["X-Role"] == "partner"
    assert sent["X-Tenant-Id"] == gw.tenant_id

    refused = gw.client.post("/v1/customers", json={}, headers=auth)
    assert refused.status_code == 403 and refused.get_json()["required_scope"] == "customers:write"
    assert gw.client.get("/v1/invoices", headers=auth).status_code == 403
    assert gw.client.get("/v1/api-keys", headers=auth).status_code == 403


def test_token_endpoint_refusals_are_problems(gw):
    client = _client(gw, "customers:read")
    wrong = _token(gw, {**client, "client_secret": "nope"})
    assert wrong.status_code == 401 and wrong.mimetype == "application/problem+json"
    assert wrong.get_json()["error"] == "invalid_client"
    unknown = _token(gw, client, scope="customers:read everything")
    assert unknown.status_code == 400 and unknown.get_json()["error"] == "invalid_scope"
    assert (
        gw.client.delete(f"/v1/oauth-clients/{client['client_id']}", headers=gw.auth("admin")).status_code
        == 204
    )
    assert _token(gw, client).status_code == 401


def test_an_expired_or_forged_token_is_401(make_gateway):
    gw = make_gateway(oauth_token_seconds=-5)
    token = _token(gw, _client(gw, "customers:read")).get_json()["access_token"]
    r = gw.client.get("/v1/customers", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    forged = token.rsplit(".", 1)[0] + ".AAAA"
    assert gw.client.get("/v1/customers", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_jwks_publishes_the_public_key_only(gw):
    keys_ = gw.client.get("/.well-known/jwks.json").get_json()["keys"]
    assert len(keys_) == 1 and keys_[0]["kty"] == "RSA" and keys_[0]["alg"] == "RS256"
    assert "d" not in keys_[0] and keys_[0]["kid"]


def test_keys_api_partner_scopes_revocation_and_expiry(make_gateway, fake_services):
    gw = make_gateway(key_cache_seconds=0)
    admin = gw.auth("admin")
    assert (
        gw.client.post("/v1/api-keys", json={"name": "p", "role": "partner"}, headers=admin).status_code
        == 422
    )
    made = gw.client.post(
        "/v1/api-keys", json={"name": "p", "role": "partner", "scopes": ["billing:read"]}, headers=admin
    ).get_json()
    partner = {"Authorization": f"Bearer {made['key']}"}
    assert gw.client.get("/v1/invoices", headers=partner).status_code == 200
    assert gw.client.get("/v1/customers", headers=partner).status_code == 403

    listed = {k["id"]: k for k in gw.client.get("/v1/api-keys", headers=admin).get_json()["items"]}
    assert listed[made["id"]]["last_used_at"] and "key" not in listed[made["id"]]
    assert gw.client.get("/v1/api-keys", headers=gw.auth("sales")).status_code == 403

    assert gw.client.delete(f"/v1/api-keys/{made['id']}", headers=admin).status_code == 204
    assert gw.client.get("/v1/invoices", headers=partner).status_code == 401
    assert gw.client.delete("/v1/api-keys/nope", headers=admin).status_code == 404

    with gw.session() as session:
        _, expired = keys.create_key(
            session, gw.tenant_id, "sales", "old", expires_at=utcnow() - timedelta(seconds=1)
        )
        session.commit()
    assert gw.client.get("/v1/customers", headers={"Authorization": f"Bearer {expired}"}).status_code == 401


def test_openapi_documents_the_schemes_and_the_credential_routes(gw):
    doc = gw.client.get("/openapi.json").get_json()
    oauth2 = doc["components"]["securitySchemes"]["oauth2"]
    assert oauth2["flows"]["clientCredentials"]["tokenUrl"] == "/oauth/token"
    assert set(oauth2["flows"]["clientCredentials"]["scopes"]) == set(scopes.SCOPES)
    created = doc["paths"]["/v1/api-keys"]["post"]["responses"]["201"]["content"]["application/json"]
    assert "key" in created["schema"]["required"]
    assert set(doc["paths"]["/v1/oauth-clients/{client_id}"]["delete"]["responses"]) >= {"204", "404", "401"}
    # a key only: no scope grants managing keys
    assert doc["paths"]["/v1/api-keys"]["get"]["security"] == [{"bearer": []}, {"apiKey": []}]


def test_credential_paths_beyond_one_id_are_404(gw):
    admin = gw.auth("admin")
    assert gw.client.delete("/v1/api-keys/", headers=admin).status_code == 404
    assert gw.client.get("/v1/oauth-clients/a/b", headers=admin).status_code == 404
    assert gw.client.put("/v1/api-keys", headers=admin).status_code == 405


def _resolve(doc: dict, schema: dict) -> dict:
    """A schema with its `$ref`s and `allOf`s resolved (enough for these documents)."""
    if "$ref" in schema:
        return _resolve(doc, doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]])
    if "allOf" in schema:
        merged: dict = {"type": "object", "required": [], "properties": {}}
        for part in schema["allOf"]:
            part = _resolve(doc, part)
            merged["required"] += part.get("required", [])
            merged["properties"].update(part.get("properties", {}))
        return merged
    return schema


def _valid(doc: dict, schema: dict, body: dict) -> None:
    import jsonschema  # the tests' own dependency (asyncapi)

    jsonschema.validate(body, _resolve(doc, schema))


def test_openapi_documents_the_token_endpoint_as_it_answers(gw):
    doc = gw.client.get("/openapi.json").get_json()
    token_op = doc["paths"]["/oauth/token"]["post"]
    form = token_op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form["required"] == ["grant_type"] and form["properties"]["grant_type"]["enum"] == [
        "client_credentials"
    ]
    assert set(token_op["responses"]) == {"200", "400", "401"}  # none of the /v1 pipeline's answers
    assert doc["components"]["securitySchemes"]["oauth2ClientBasic"]["scheme"] == "basic"

    client = _client(gw, "customers:read")
    issued = _token(gw, client)
    answer = token_op["responses"]["200"]
    _valid(doc, answer["content"]["application/json"]["schema"], issued.get_json())
    assert (
        set(answer["headers"]) <= set(issued.headers.keys()) and issued.headers["Cache-Control"] == "no-store"
    )

    for refused in (
        _token(gw, {**client, "client_secret": "nope"}),  # 401 invalid_client
        _token(gw, client, scope="everything"),  # 400 invalid_scope
        gw.client.post("/oauth/token", data={"grant_type": "password"}),  # 400 or 401: no client
        gw.client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "a\x00b"}),
    ):
        documented = token_op["responses"][str(refused.status_code)]
        body = refused.get_json()
        _valid(doc, documented["content"]["application/problem+json"]["schema"], body)
        assert body["error_description"] == body["detail"] and body["status"] == refused.status_code

    jwks_op = doc["paths"]["/.well-known/jwks.json"]["get"]
    assert jwks_op["security"] == []
    _valid(
        doc,
        jwks_op["responses"]["200"]["content"]["application/json"]["schema"],
        gw.client.get("/.well-known/jwks.json").get_json(),
    )
    events_op = doc["paths"]["/asyncapi.json"]["get"]
    _valid(
        doc,
        events_op["responses"]["200"]["content"]["application/json"]["schema"],
        gw.client.get("/asyncapi.json").get_json(),
    )
    assert "429" not in events_op["responses"] and "X-RateLimit-Limit" not in str(events_op)
