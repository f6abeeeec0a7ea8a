"""Deleting a branch through the gateway (seed 001: "To delete a Branch"): If-Match, 204, gone,
and `branch.deleted` on the broker, which assets follows (the appliance stops naming the branch)."""

from harness.api import assert_problem, create_customer, expect, unique
from harness.polling import eventually


def test_deleting_a_branch_with_its_etag_removes_it_and_publishes_branch_deleted(tenant, events):
    queue = events("branch.deleted")
    client = tenant.admin
    customer = create_customer(client)
    created = expect(
        client.post(
            f"/v1/customers/{customer['id']}/branches",
            json={
                "name": "North depot",
                "code": "N1",
                "address": {"line_1": "Unit 1", "postcode": "LS10 1AB"},
            },
        ),
        201,
    )
    branch = created.json()
    path = created.headers["Location"]
    assert path == f"/v1/customers/{customer['id']}/branches/{branch['id']}"
    etag = expect(client.get(path), 200).headers["ETag"]
    # an appliance on the branch's site (assets checks the branch against what customers said)
    asset = expect(
        client.post(
            f"/v1/customers/{customer['id']}/assets",
            json={"serial_number": unique("SN-"), "branch_id": branch["id"]},
        ),
        201,
    ).json()
    assert asset["branch_id"] == branch["id"]

    assert_problem(client.delete(path), 428)
    assert_problem(tenant.client("readonly").delete(path, headers={"If-Match": etag}), 403)
    # the roles that may edit a branch may delete it: a sales key, not only admin
    deleted = expect(tenant.client("sales").delete(path, headers={"If-Match": etag}), 204)
    assert deleted.content == b""

    assert_problem(client.get(path), 404)
    assert branch["id"] not in [
        b["id"] for b in expect(client.get(f"/v1/customers/{customer['id']}/branches"), 200).json()
    ]

    mine = lambda body: body.get("subject") == branch["id"]  # noqa: E731
    [message] = queue.wait_for(1, "branch.deleted", timeout=60, where=mine)
    event = message.body
    assert event["source"] == "customers"
    assert event["tenantid"] == tenant.id
    assert event["data"] == {"id": branch["id"], "customer_id": customer["id"]}

    # assets heard it: the appliance stays with the customer and no longer names the branch
    def unlinked():
        body = expect(client.get(f"/v1/assets/{asset['id']}"), 200).json()
        return body["customer_id"] == customer["id"] and body["branch_id"] is None

    eventually(unlinked, timeout=60, message="assets did not follow branch.deleted")
    refused = client.post(
        f"/v1/customers/{customer['id']}/assets",
        json={"serial_number": unique("SN-"), "branch_id": branch["id"]},
    )
    assert_problem(refused, 422)
