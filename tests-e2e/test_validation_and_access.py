"""Bad input and bad credentials are refused with a problem response, and nothing is written."""

import json

import pytest

from conftest import new_tenant
from harness.api import (
    PROBLEM_JSON,
    assert_problem,
    customer_count,
    expect,
    post_large_body,
    private_customer,
)


@pytest.fixture(scope="module")
def shared_tenant(system):
    return new_tenant(system, "validation")


def without(mapping: dict, key: str) -> dict:
    return {k: v for k, v in mapping.items() if k != key}


INVALID = {
    "missing surname": (without(private_customer(), "surname"), "surname"),
    "missing postcode": (
        private_customer(address={"line_1": "1 High St", "town": "Leeds"}),
        "address.postcode",
    ),
    "malformed email": (private_customer(email="john.example.com"), "email"),
    "unknown field": (private_customer(shoe_size=11), "shoe_size"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_customer_is_422_with_the_field_named_and_nothing_written(shared_tenant, case):
    body, field = INVALID[case]
    client = shared_tenant.admin
    before = customer_count(client)

    problem = assert_problem(client.post("/v1/customers", json=body), 422)

    assert field in problem.get("errors", {}), f"{case}: errors should name {field!r}: {problem}"
    assert problem["errors"][field], problem
    assert customer_count(client) == before


def test_rejected_writes_publish_no_events(tenant, events):
    """Only the valid customer of a batch of attempts produces a customer.created event."""
    queue = events("customer.created", "customer.updated")
    for body, _ in INVALID.values():
        assert_problem(tenant.admin.post("/v1/customers", json=body), 422)
    good = expect(tenant.admin.post("/v1/customers", json=private_customer()), 201).json()

    queue.wait_for(1, "customer.created", where=lambda e: e["subject"] == good["id"])
    queue.get_all(timeout=2)
    from_tenant = [m for m in queue.messages if m.body["tenantid"] == tenant.id]
    assert [m.subject for m in from_tenant] == [good["id"]]


def oversized_body() -> bytes:
    return json.dumps(private_customer(surname="Large", notes="x" * (1024 * 1024 + 1024))).encode()


def assert_413(status: int, headers: dict, body: bytes) -> None:
    assert status == 413, f"expected 413, got {status}: {body[:300]!r}"
    assert headers.get("Content-Type", "").startswith(PROBLEM_JSON), headers
    assert json.loads(body)["status"] == 413


def test_body_over_the_size_limit_is_413_and_nothing_written(system, tenant):
    headers = {"Authorization": f"Bearer {tenant.admin_key}", "Content-Type": "application/json"}
    assert_413(*post_large_body(system.gateway_url, "/v1/customers", oversized_body(), headers))
    assert customer_count(tenant.admin) == 0


def test_chunked_body_over_the_size_limit_is_413_and_nothing_written(system, tenant):
    """Without a Content-Length the limit must still hold: the body is cut off, never forwarded truncated."""
    headers = {"Authorization": f"Bearer {tenant.admin_key}", "Content-Type": "application/json"}
    assert_413(*post_large_body(system.gateway_url, "/v1/customers", oversized_body(), headers, chunked=True))
    assert customer_count(tenant.admin) == 0


def test_request_without_a_key_is_401(system, tenant):
    anonymous = system.client()
    assert_problem(anonymous.get("/v1/customers"), 401)
    assert_problem(anonymous.post("/v1/customers", json=private_customer()), 401)
    assert customer_count(tenant.admin) == 0


def test_request_with_an_unknown_key_is_401(system):
    stranger = system.client("fb_not-a-real-key-0123456789")
    assert_problem(stranger.get("/v1/customers"), 401)


def test_readonly_key_can_read_but_posting_is_403(tenant):
    readonly = tenant.client("readonly")
    expect(readonly.get("/v1/customers"), 200)
    assert_problem(readonly.post("/v1/customers", json=private_customer()), 403)
    assert customer_count(tenant.admin) == 0
