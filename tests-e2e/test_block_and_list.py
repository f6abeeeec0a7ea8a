"""Blocking is for accounts and admin only; lists paginate and filter."""

import json

from harness.api import assert_problem, company_customer, create_customer, expect, list_ids, private_customer


def test_only_accounts_and_admin_may_block_and_unblock(tenant, events):
    queue = events("customer.blocked", "customer.unblocked")
    customer = create_customer(tenant.admin, private_customer(surname="Slowpayer"))
    url = f"/v1/customers/{customer['id']}"

    assert_problem(tenant.client("sales").post(f"{url}/block", json={"reason": "late payer"}), 403)
    assert expect(tenant.admin.get(url), 200).json()["blocked"] is False

    blocked = expect(
        tenant.client("accounts").post(f"{url}/block", json={"reason": "Three invoices overdue"}), 200
    )
    assert blocked.json()["blocked"] is True
    assert blocked.json()["block_reason"] == "Three invoices overdue"
    assert expect(tenant.admin.get(url), 200).json()["blocked"] is True
    assert customer["id"] in list_ids(tenant.admin, blocked="true")

    assert_problem(tenant.client("sales").post(f"{url}/unblock"), 403)
    unblocked = expect(tenant.admin.post(f"{url}/unblock"), 200)
    assert unblocked.json()["blocked"] is False
    assert customer["id"] not in list_ids(tenant.admin, blocked="true")

    mine = lambda e: e["subject"] == customer["id"]  # noqa: E731
    [b] = queue.wait_for(1, "customer.blocked", where=mine)
    assert b.body["data"]["blocked"] is True and b.body["data"]["block_reason"] == "Three invoices overdue"
    queue.wait_for(1, "customer.unblocked", where=mine)


def test_block_needs_a_reason(tenant):
    customer = create_customer(tenant.admin)
    problem = assert_problem(tenant.admin.post(f"/v1/customers/{customer['id']}/block", json={}), 422)
    assert "reason" in problem["errors"]


def test_list_paginates_with_x_pagination_and_link_headers(tenant):
    client = tenant.admin
    ids = {create_customer(client, private_customer(surname=f"Pager{i}"))["id"] for i in range(5)}

    first = expect(client.get("/v1/customers", params={"page": 1, "page_size": 2}), 200)
    pagination = json.loads(first.headers["X-Pagination"])
    assert pagination["total"] == 5
    assert pagination["total_pages"] == 3
    assert len(first.json()) == 2
    assert 'rel="next"' in first.headers.get("Link", ""), first.headers.get("Link")

    seen = []
    for page in (1, 2, 3):
        seen += [
            c["id"]
            for c in expect(client.get("/v1/customers", params={"page": page, "page_size": 2}), 200).json()
        ]
    assert sorted(seen) == sorted(ids), "pages must cover every customer once"


def test_list_filters_by_type(tenant):
    client = tenant.admin
    person = create_customer(client, private_customer(surname="Filterperson"))
    firm = create_customer(client, company_customer(company_name="Filterfirm Ltd"))

    assert list_ids(client, type="company") == [firm["id"]]
    assert list_ids(client, type="private") == [person["id"]]
