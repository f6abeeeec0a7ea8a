"""Security through the gateway, over every route of the aggregated OpenAPI (issue 7).

No key → 401; a role the gateway's table refuses → 403; another tenant's record of every kind →
404; identity headers from a client are ignored; malformed, wrongly typed and oversized bodies →
4xx problem+json, never 5xx; SQL-ish and script text is stored and returned as text; too many
requests → 429. The role expectations come from the gateway's own table (gateway/roles.py).
"""

from __future__ import annotations

import json
import uuid

import pytest

from conftest import new_tenant
from gateway.roles import allowed_roles
from harness.api import (
    PROBLEM_JSON,
    assert_problem,
    create_customer,
    expect,
    list_ids,
    post_large_body,
    private_customer,
)
from harness.records import ITEM_PATHS, item_path, one_of_each

METHODS = ("get", "post", "put", "patch", "delete")
SQL = "'; DROP TABLE customers; --"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def owner(system):
    """A tenant with one record of every kind."""
    tenant = new_tenant(system, "owner")
    return tenant, one_of_each(tenant.admin)


@pytest.fixture(scope="module")
def intruder(system):
    return new_tenant(system, "intruder")


@pytest.fixture(scope="module")
def operations(owner):
    tenant, _ = owner
    doc = expect(tenant.admin.get("/openapi.json"), 200).json()
    assert "x-fieldbook-unavailable" not in doc, doc["x-fieldbook-unavailable"]
    # the API behind the key: /v1. Outside it, the documented routes take no key by design (the
    # OAuth2 token endpoint, its signing key, the events' AsyncAPI document; test_oauth.py)
    outside = sorted(path for path in doc["paths"] if not path.startswith("/v1/"))
    assert outside == ["/.well-known/jwks.json", "/asyncapi.json", "/oauth/token"], outside
    ops = [
        (m.upper(), path, op)
        for path, item in doc["paths"].items()
        if path.startswith("/v1/")
        for m, op in item.items()
        if m in METHODS
    ]
    assert len(ops) >= 100, len(ops)
    return ops


def concrete(path: str, ids: dict[str, str] | None = None) -> str:
    """`{name}` → the seeded record's id (the catalogue entry of the path's kind), else a fresh UUID."""
    ids = ids or {}
    parts = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            if name == "entry_id":
                name = f"entry:{path.split('/')[3]}"
            part = ids.get(name, str(uuid.uuid4()))
        elif "{" in part:  # `{statement_id}.pdf`
            name = part[part.index("{") + 1 : part.index("}")]
            part = part.replace("{" + name + "}", ids.get(name, str(uuid.uuid4())))
        parts.append(part)
    return "/".join(parts)


def send(client, method: str, path: str, **kwargs):
    if method in ("POST", "PUT", "PATCH") and "data" not in kwargs and "json" not in kwargs:
        kwargs["json"] = {}
    return client.request(method, path, **kwargs)


# ------------------------------------------------------------------------------ authentication


# Keyless by design outside /v1/public/: the routes that make a credential (log in, finish a login
# with the code, accept an invitation). An empty request is refused by what they check (401 or 422).
CREDENTIAL_ROUTES = {
    ("POST", "/v1/sessions"),
    ("POST", "/v1/sessions/second-factor"),
    ("POST", "/v1/invitations/acceptance"),
}


def test_every_route_without_a_key_is_401(system, operations):
    """…but the public pages (`security: []`, under /v1/public/), which answer a token that is not
    a signed link with their own 403, and the routes that make a credential (CREDENTIAL_ROUTES)."""
    anonymous = system.client()
    wrong, public, credential = [], 0, set()
    for method, path, op in operations:
        expected = {401}
        if op.get("security") == [] and (method, path) in CREDENTIAL_ROUTES:
            expected = {int(s) for s in op["responses"] if s in ("401", "422")}
            credential.add((method, path))
        elif op.get("security") == []:
            assert path.startswith("/v1/public/"), f"{method} {path} has no security"
            # a public page's own refusal, as it documents it: a link that does not verify is 403,
            # an SMS receipt without the provider's signature 401
            expected = {int(s) for s in op["responses"] if s in ("401", "403")}
            assert expected, f"{method} {path} documents no refusal"
            public += 1
        r = send(anonymous, method, concrete(path))
        if r.status_code not in expected or not r.headers.get("Content-Type", "").startswith(PROBLEM_JSON):
            wrong.append(f"{method} {path} -> {r.status_code}")
    assert not wrong, "\n".join(wrong)
    assert public >= 3  # the quote's acceptance link: GET, POST, and its PDF
    assert credential == CREDENTIAL_ROUTES, credential


def test_every_route_the_role_table_refuses_a_sales_key_is_403(owner, operations):
    tenant, ids = owner
    sales = tenant.client("sales")
    refused = [
        (m, p)
        for m, p, op in operations
        if op.get("security") != []  # keyless routes take no role (CREDENTIAL_ROUTES, /v1/public/)
        and "sales" not in allowed_roles(m, concrete(p, ids), {})
    ]
    admin_only = [(m, p) for m, p in refused if allowed_roles(m, concrete(p, ids), {}) == ("admin",)]
    assert admin_only, "the document has no admin-only route: is the role table applied?"
    wrong = []
    for method, path in refused:
        r = send(sales, method, concrete(path, ids))
        if r.status_code != 403 or not r.headers.get("Content-Type", "").startswith(PROBLEM_JSON):
            wrong.append(f"{method} {path} -> {r.status_code}")
    assert not wrong, "\n".join(wrong)
    # the key itself works where sales may go, and body-field rules hold (credit limits: accounts)
    expect(sales.get("/v1/customers"), 200)
    cid = ids["customer_id"]
    assert_problem(sales.post("/v1/customers", json=private_customer(credit_limit="100.00")), 403)
    assert_problem(
        sales.patch(f"/v1/customers/{cid}", json={"credit_limit": "1.00"}, headers={"If-Match": "*"}), 403
    )


# ------------------------------------------------------------------------------ tenancy (BOLA)


@pytest.mark.parametrize("kind", list(ITEM_PATHS))
def test_another_tenants_record_is_404_for_every_resource_type(owner, intruder, operations, kind):
    tenant, ids = owner
    path = item_path(kind, ids)
    expect(tenant.admin.get(path), 200)  # it exists, for its owner

    assert_problem(intruder.admin.get(path), 404)
    for method, spec_path, _ in operations:
        if method in ("PATCH", "DELETE") and concrete(spec_path, ids) == path:
            r = send(intruder.admin, method, path, headers={"If-Match": '"1"'})
            assert_problem(r, 404)
    expect(tenant.admin.get(path), 200)  # and still there, unchanged by the attempts


def test_another_tenants_customer_is_404_under_every_service(owner, intruder, operations):
    """Every `/v1/customers/{id}/…` read, whichever service answers it."""
    tenant, ids = owner
    wrong = []
    for method, path, _ in operations:
        if method == "GET" and path.startswith("/v1/customers/{customer_id}"):
            r = intruder.admin.get(concrete(path, ids))
            if r.status_code != 404:
                wrong.append(f"GET {path} -> {r.status_code}")
    assert not wrong, "\n".join(wrong)


# ------------------------------------------------------------------------------ forged identity


def test_identity_headers_from_a_client_are_ignored(system, owner, intruder):
    tenant, ids = owner
    cid = ids["customer_id"]
    forged_owner = {"X-Tenant-Id": tenant.id, "X-Role": "admin", "X-Actor": "root"}

    # another tenant's key naming the owner's tenant still sees only its own data
    assert_problem(intruder.admin.get(f"/v1/customers/{cid}", headers=forged_owner), 404)
    assert cid not in list_ids(intruder.admin)
    r = intruder.admin.get("/v1/customers", params={"page_size": 100}, headers=forged_owner)
    assert cid not in [c["id"] for c in expect(r, 200).json()]

    # a readonly key claiming admin is still readonly
    readonly = tenant.client("readonly")
    assert_problem(readonly.post("/v1/customers", json=private_customer(), headers=forged_owner), 403)

    # no key, even with the real internal token the services trust: 401 at the gateway
    inside = {**forged_owner, "X-Internal-Token": system.internal_token}
    assert_problem(system.client().get(f"/v1/customers/{cid}", headers=inside), 401)
    assert_problem(system.client().post("/v1/customers", json=private_customer(), headers=inside), 401)


# ------------------------------------------------------------------------------ bodies


def test_malformed_and_wrongly_typed_bodies_are_4xx_problems_on_every_write(owner, operations):
    tenant, ids = owner
    client = tenant.admin
    wrong = []
    bodies = {
        "bad json": ('{"surname": "Smith",', "application/json"),
        "json array": ("[1, 2]", "application/json"),
        "json null": ("null", "application/json"),
        "text": ("surname=Smith", "text/plain"),
        "xml": ("<customer><surname>Smith</surname></customer>", "application/xml"),
    }
    for method, path, op in operations:
        accepted = set((op.get("requestBody") or {}).get("content", {}))
        if method not in ("POST", "PUT", "PATCH") or accepted != {"application/json"}:
            continue  # JSON-only operations (an import also takes text/csv, as documented)
        for label, (data, content_type) in bodies.items():
            r = client.request(
                method,
                concrete(path, ids),
                data=data.encode(),
                headers={"Content-Type": content_type, "If-Match": '"1"'},
            )
            ok = 400 <= r.status_code < 500 and r.headers.get("Content-Type", "").startswith(PROBLEM_JSON)
            if not ok:
                wrong.append(f"{method} {path} ({label}) -> {r.status_code} {r.text[:120]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/customers",
        "/v1/payments",
        "/v1/asset-catalogue/makes",
        "/v1/email-templates",
        "/v1/accounting/resync",
    ],
)
def test_an_oversized_body_is_413_for_every_service(system, owner, path):
    tenant, _ = owner
    body = json.dumps({"text": "x" * (2 * 1024 * 1024)}).encode()
    headers = {"Authorization": f"Bearer {tenant.admin_key}", "Content-Type": "application/json"}
    status, response_headers, raw = post_large_body(system.gateway_url, path, body, headers)
    assert status == 413, (status, raw[:200])
    assert response_headers.get("Content-Type", "").startswith(PROBLEM_JSON)
    assert json.loads(raw)["status"] == 413


# ------------------------------------------------------------------------------ injection


def test_sql_and_script_text_is_stored_as_text_and_returned_unchanged(tenant):
    client = tenant.admin
    bystander = create_customer(client, private_customer(surname="Bystander"))
    customer = create_customer(
        client,
        private_customer(
            surname=SQL,
            first_name=SCRIPT,
            address={"line_1": SQL, "town": SCRIPT, "postcode": "LS1 4AB"},
        ),
    )
    cid = customer["id"]
    contact = expect(
        client.post(f"/v1/customers/{cid}/contacts", json={"surname": SCRIPT, "position": SQL}), 201
    ).json()
    note = expect(client.post(f"/v1/customers/{cid}/notes", json={"text": f"{SQL} {SCRIPT}"}), 201).json()

    r = expect(client.get(f"/v1/customers/{cid}"), 200)
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    body = json.loads(r.text)  # the payload is a JSON string: quotes escaped, nothing executable
    assert (body["surname"], body["first_name"]) == (SQL, SCRIPT)
    assert (body["address"]["line_1"], body["address"]["town"]) == (SQL, SCRIPT)
    assert '"surname": ' + json.dumps(SQL) in r.text or '"surname":' + json.dumps(SQL) in r.text
    got = expect(client.get(f"/v1/customers/{cid}/contacts/{contact['id']}"), 200).json()
    assert (got["surname"], got["position"]) == (SCRIPT, SQL)
    assert expect(client.get(f"/v1/notes/{note['id']}"), 200).json()["text"] == f"{SQL} {SCRIPT}"

    for q in (SQL, SCRIPT, "' OR '1'='1", "%' OR 1=1 --"):
        expect(client.get("/v1/customers", params={"q": q}), 200)
    assert cid in list_ids(client, q=SQL)
    assert cid in list_ids(client, q=SCRIPT)
    assert {cid, bystander["id"]} <= set(list_ids(client))  # the table is still there, whole


# ------------------------------------------------------------------------------ rate limit


@pytest.fixture
def limited_gateway(system):
    name = "gateway-security-limited"
    url = system.start_extra_gateway(name, RATE_LIMIT_PER_MINUTE="4")
    yield url
    system.remove_process(name)


def test_rate_limit_is_429_whichever_service_the_route_belongs_to(system, owner, limited_gateway):
    tenant, ids = owner
    client = system.client(tenant.admin_key, base_url=limited_gateway)
    client.headers["Connection"] = "close"  # no idle keep-alive holding the extra gateway's shutdown
    routes = [
        "/v1/customers",
        f"/v1/customers/{ids['customer_id']}/invoices",
        f"/v1/customers/{ids['customer_id']}/assets",
        f"/v1/customers/{ids['customer_id']}/notes",
        "/v1/accounting/sync",
    ]
    statuses = [client.get(routes[i % len(routes)]).status_code for i in range(12)]
    assert 429 in statuses, statuses
    for route in routes:  # refused for each service's routes (a new minute may let a few through first)
        for _ in range(6):
            r = client.get(route)
            if r.status_code == 429:
                break
        assert_problem(r, 429)
        assert 1 <= int(r.headers["Retry-After"]) <= 60
