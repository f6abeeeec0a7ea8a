"""Idempotency-Key: a retried POST gives the same answer and does not create a second customer."""

import uuid

from harness.api import assert_problem, customer_count, expect, private_customer


def test_same_post_twice_with_one_idempotency_key_creates_one_customer(tenant):
    client = tenant.admin
    key = str(uuid.uuid4())
    body = private_customer(surname="Once")

    first = expect(client.post("/v1/customers", json=body, headers={"Idempotency-Key": key}), 201)
    second = expect(client.post("/v1/customers", json=body, headers={"Idempotency-Key": key}), 201)

    assert second.json() == first.json()
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert first.headers.get("Idempotent-Replayed") is None
    assert customer_count(client) == 1


def test_same_idempotency_key_with_a_different_body_is_refused(tenant):
    client = tenant.admin
    key = str(uuid.uuid4())
    expect(
        client.post(
            "/v1/customers", json=private_customer(surname="First"), headers={"Idempotency-Key": key}
        ),
        201,
    )

    r = client.post(
        "/v1/customers", json=private_customer(surname="Different"), headers={"Idempotency-Key": key}
    )
    problem = assert_problem(r, 422)
    assert "Idempotency-Key" in problem.get("errors", {}), problem
    assert customer_count(client) == 1


def test_idempotency_keys_are_per_tenant(tenant, other_tenant):
    key = str(uuid.uuid4())
    body = private_customer(surname="Shared key")
    a = expect(tenant.admin.post("/v1/customers", json=body, headers={"Idempotency-Key": key}), 201)
    b = expect(other_tenant.admin.post("/v1/customers", json=body, headers={"Idempotency-Key": key}), 201)
    assert a.json()["id"] != b.json()["id"]
    assert b.headers.get("Idempotent-Replayed") is None
