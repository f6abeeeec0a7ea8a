"""One tenant never sees another's customers: a 404, not a 403, and never the data."""

from harness.api import assert_problem, create_customer, expect, list_ids, private_customer


def test_other_tenant_gets_404_for_a_customer_and_does_not_list_it(tenant, other_tenant):
    customer = create_customer(tenant.admin, private_customer(surname="Privateer"))
    intruder = other_tenant.admin

    problem = assert_problem(intruder.get(f"/v1/customers/{customer['id']}"), 404)
    assert "Privateer" not in str(problem)
    assert customer["id"] not in list_ids(intruder)
    assert customer["id"] not in list_ids(intruder, q="Privateer")
    assert customer["id"] in list_ids(tenant.admin)


def test_other_tenant_cannot_change_or_block_a_customer(tenant, other_tenant):
    r = expect(tenant.admin.post("/v1/customers", json=private_customer(surname="Untouched")), 201)
    customer, etag = r.json(), r.headers["ETag"]
    intruder = other_tenant.admin

    assert_problem(
        intruder.patch(
            f"/v1/customers/{customer['id']}", json={"surname": "Changed"}, headers={"If-Match": etag}
        ),
        404,
    )
    assert_problem(intruder.post(f"/v1/customers/{customer['id']}/block", json={"reason": "mine now"}), 404)

    after = expect(tenant.admin.get(f"/v1/customers/{customer['id']}"), 200)
    assert after.json()["surname"] == "Untouched"
    assert after.json()["blocked"] is False
    assert after.headers["ETag"] == etag


def test_client_cannot_pick_its_tenant_or_role_by_header(tenant, other_tenant):
    """The gateway strips the identity headers a client sends and sets its own."""
    customer = create_customer(tenant.admin, private_customer(surname="Headerproof"))
    spoofing = other_tenant.client("readonly")
    forged = {"X-Tenant-Id": tenant.id, "X-Role": "admin", "X-Actor": "someone-else"}

    assert_problem(spoofing.get(f"/v1/customers/{customer['id']}", headers=forged), 404)
    r = spoofing.get("/v1/customers", headers=forged)
    assert customer["id"] not in [c["id"] for c in expect(r, 200).json()]
    assert_problem(spoofing.post("/v1/customers", json=private_customer(), headers=forged), 403)
