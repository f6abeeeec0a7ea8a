"""Deletion and block are in force the moment they answer (issue 12), through the gateway only.

Billing asks customers, under the customer's row lock, before it writes a document; customers
records the documents that stop a delete before it answers (docs/architecture.md §8). So no
round may wait for an event: every refusal below must hold at once.
One tenant serves the whole file, to keep it fast.
"""

from __future__ import annotations

import threading

import pytest

from conftest import new_tenant
from harness.api import assert_problem, expect
from harness.customer_record import line, person_body
from harness.polling import eventually

ROUNDS = 50


@pytest.fixture(scope="module")
def shop(system):
    return new_tenant(system, "in-force")


def _customer(client, n: int) -> tuple[str, str]:
    created = expect(client.post("/v1/customers", json=person_body(f"Force{n}")), 201)
    return created.json()["id"], created.headers["ETag"]


def _invoice(client, customer_id: str):
    return client.post(f"/v1/customers/{customer_id}/invoices", json={"lines": [line("80.00")]})


def _figures(client) -> dict:
    return expect(client.get("/v1/reconciliation"), 200).json()


def test_delete_right_after_an_invoice_is_refused_every_time(shop):
    client = shop.admin
    for n in range(ROUNDS):
        customer_id, _ = _customer(client, n)
        expect(_invoice(client, customer_id), 201)
        etag = expect(client.get(f"/v1/customers/{customer_id}"), 200).headers["ETag"]
        problem = assert_problem(
            client.delete(f"/v1/customers/{customer_id}", headers={"If-Match": etag}), 409
        )
        assert "financial transactions" in problem["detail"], (n, problem)
    assert _figures(client)["ok"] is True


def test_an_invoice_and_a_delete_sent_at_once_never_both_succeed(shop):
    admin = shop.admin
    # one session per thread: a requests.Session is not shared between threads
    invoicer, deleter = (shop.system.client(shop.admin_key) for _ in range(2))
    before = _figures(admin)
    outcomes: list[tuple[str, int, int, str | None]] = []
    for n in range(ROUNDS):
        customer_id, etag = _customer(admin, 100 + n)
        barrier = threading.Barrier(2)
        answers: dict[str, object] = {}

        def send_invoice(customer_id=customer_id, barrier=barrier, answers=answers):
            barrier.wait(10)
            answers["invoice"] = _invoice(invoicer, customer_id)

        def send_delete(customer_id=customer_id, etag=etag, barrier=barrier, answers=answers):
            barrier.wait(10)
            answers["delete"] = deleter.delete(f"/v1/customers/{customer_id}", headers={"If-Match": etag})

        threads = [threading.Thread(target=send_invoice), threading.Thread(target=send_delete)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        invoice, delete = answers["invoice"], answers["delete"]
        pair = (invoice.status_code, delete.status_code)
        assert pair in {(201, 409), (404, 204)}, (n, pair, invoice.text[:300], delete.text[:300])
        invoice_id = invoice.json()["id"] if invoice.status_code == 201 else None
        outcomes.append((customer_id, *pair, invoice_id))

    for customer_id, invoiced, _, invoice_id in outcomes:
        if invoiced == 201:  # the invoice won: the customer stays, with its invoice
            expect(admin.get(f"/v1/customers/{customer_id}"), 200)
            assert expect(admin.get(f"/v1/invoices/{invoice_id}"), 200).json()["customer_id"] == customer_id
        else:  # the delete won: gone in customers, and billing forgets it too
            assert_problem(admin.get(f"/v1/customers/{customer_id}"), 404)

    def billing_forgot_the_deleted():
        for customer_id, invoiced, _, _ in outcomes:
            if invoiced == 404:
                r = admin.get(f"/v1/customers/{customer_id}/invoices")
                assert r.status_code == 404, (customer_id, r.status_code, r.text[:200])
        return True

    eventually(billing_forgot_the_deleted, timeout=30, message="billing follows the deletes")
    # billing holds exactly the invoices that were answered 201: one ledger entry and one customer
    # with entries each, numbers without a gap (a refused write consumed none), every figure agreeing
    won = [o for o in outcomes if o[1] == 201]
    after = _figures(admin)
    assert after["ok"] is True, after["mismatches"]
    assert after["ledger_entries"] - before["ledger_entries"] == len(won)
    assert after["customers_checked"] - before["customers_checked"] == len(won)
    numbers = sorted(expect(admin.get(f"/v1/invoices/{o[3]}"), 200).json()["number"] for o in won)
    if numbers:
        assert numbers[-1] - numbers[0] == len(numbers) - 1, numbers


def test_a_job_or_a_conversion_right_after_a_block_is_refused_every_time(shop):
    client, accounts = shop.admin, shop.client("accounts")
    for n in range(ROUNDS):
        customer_id, _ = _customer(client, 200 + n)
        quote = expect(
            client.post(f"/v1/customers/{customer_id}/quotes", json={"lines": [line("50.00")]}), 201
        )
        blocked = expect(
            accounts.post(f"/v1/customers/{customer_id}/block", json={"reason": f"arrears {n}"}), 200
        )
        assert blocked.json()["blocked"] is True
        job = assert_problem(
            client.post(f"/v1/customers/{customer_id}/jobs", json={"description": "Service"}), 409
        )
        assert job["block_reason"] == f"arrears {n}", (n, job)
        converted = assert_problem(client.post(f"/v1/quotes/{quote.json()['id']}/convert", json={}), 409)
        assert converted["block_reason"] == f"arrears {n}", (n, converted)
    # nothing was written for them
    assert _figures(client)["jobs"] == 0


def test_the_document_admission_is_not_reachable_through_the_gateway(shop):
    client = shop.admin
    customer_id, _ = _customer(client, 999)
    for path in (
        f"/internal/customers/{customer_id}/documents",
        f"/v1/customers/{customer_id}/../../internal/customers/{customer_id}/documents",
    ):
        r = client.post(path, json={"kind": "invoice"})
        assert r.status_code in (400, 404), (path, r.status_code, r.text[:200])
    assert expect(client.get(f"/v1/customers/{customer_id}"), 200).json()["has_transactions"] is False
    etag = expect(client.get(f"/v1/customers/{customer_id}"), 200).headers["ETag"]
    expect(client.delete(f"/v1/customers/{customer_id}", headers={"If-Match": etag}), 204)
