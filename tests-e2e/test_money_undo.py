"""Money that can be listed and undone, through the gateway: a bounced cheque reverses a payment
allocated across two invoices (both owed again), a de-allocation, a refund — each dated the day it
happens, so the statement as at the day before is unchanged and the reconciliation stays clean;
the payments, credit notes and refunds lists and the filters of the invoices list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from harness.api import create_customer, expect, private_customer, record_payment
from test_billing_rules import billing_knows, line


def _day(n: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=n)).isoformat()  # billing's today is UTC


def _same(a: dict, b: dict) -> bool:
    return {**a, "generated_at": None} == {**b, "generated_at": None}


def _reconciled(tenant) -> None:
    report = expect(tenant.admin.get("/v1/reconciliation"), 200).json()
    assert report["ok"] is True and report["mismatches"] == [], report


def _customer(tenant, client, surname):
    cid = create_customer(tenant.admin, private_customer(payment_terms_days=30, surname=surname))["id"]
    billing_knows(client, cid, payment_terms_days=30)
    return cid


def _invoice(client, cid, price, when):
    body = {"invoice_date": when, "lines": [line(price)]}
    return expect(client.post(f"/v1/customers/{cid}/invoices", json=body), 201).json()


def test_a_bounced_cheque_reopens_both_invoices_and_leaves_yesterday_alone(tenant):
    client = tenant.client("accounts")
    cid = _customer(tenant, client, "Bounce")
    a, b = _invoice(client, cid, "100.00", _day(40)), _invoice(client, cid, "50.00", _day(20))
    payment = record_payment(
        client,
        cid,
        "180.00",
        (a, "120.00"),
        (b, "60.00"),
        method="cheque",
        reference="CHQ 000123",
        received_on=_day(5),
    )
    yesterday = expect(client.get(f"/v1/customers/{cid}/statement", params={"as_at": _day(1)}), 200).json()
    assert yesterday["balance"] == "0.00"

    # a sales key may not undo money; accounts may
    refused = tenant.client("sales").post(f"/v1/payments/{payment['id']}/reverse", json={"reason": "x"})
    assert refused.status_code == 403
    reversed_ = expect(
        client.post(
            f"/v1/payments/{payment['id']}/reverse",
            json={"reason": "Cheque returned unpaid"},
            headers={"Idempotency-Key": f"reverse-{payment['id']}"},
        ),
        200,
    ).json()
    assert (reversed_["status"], reversed_["reversed_on"], reversed_["unallocated"]) == (
        "reversed",
        _day(0),
        "0.00",
    )
    for inv in (a, b):
        now = expect(client.get(f"/v1/invoices/{inv['id']}"), 200).json()
        assert (now["status"], now["outstanding"]) == ("issued", inv["total"])
    listed = expect(client.get(f"/v1/customers/{cid}/invoices", params={"status": "issued"}), 200).json()
    assert {i["id"] for i in listed} == {a["id"], b["id"]}
    overdue = expect(client.get(f"/v1/customers/{cid}/invoices", params={"status": "overdue"}), 200).json()
    assert [i["id"] for i in overdue] == [a["id"]]  # due 10 days ago; b is due in 10 days
    account = expect(client.get(f"/v1/customers/{cid}/account"), 200).json()
    assert (account["balance"], account["total_due"]) == ("180.00", "180.00")
    again = expect(client.get(f"/v1/customers/{cid}/statement", params={"as_at": _day(1)}), 200).json()
    assert _same(again, yesterday)
    expect(client.post(f"/v1/payments/{payment['id']}/reverse", json={"reason": "x"}), 409)  # once only
    _reconciled(tenant)


def test_deallocate_and_refund_then_list_them(tenant):
    client = tenant.client("accounts")
    cid = _customer(tenant, client, "Undo")
    inv = _invoice(client, cid, "100.00", _day(10))
    payment = record_payment(client, cid, "150.00", (inv, "120.00"), received_on=_day(3))
    [allocation] = payment["allocations"]
    before = expect(client.get(f"/v1/customers/{cid}/statement", params={"as_at": _day(1)}), 200).json()

    undone = expect(
        client.post(
            f"/v1/payments/{payment['id']}/allocations/{allocation['id']}/deallocate",
            json={"reason": "Wrong invoice"},
        ),
        200,
    ).json()
    assert (undone["invoice_status"], undone["outstanding"], undone["unallocated"]) == (
        "issued",
        "120.00",
        "150.00",
    )
    too_much = client.post(f"/v1/customers/{cid}/refunds", json={"amount": "150.01", "method": "cash"})
    assert too_much.status_code == 409 and too_much.json()["unallocated"] == "150.00"
    refund = expect(
        client.post(
            f"/v1/customers/{cid}/refunds",
            json={"amount": "30.00", "method": "bank_transfer", "reference": "Overpayment back"},
        ),
        201,
    ).json()
    assert refund["sources"] == [{"source_type": "payment", "source_id": payment["id"], "amount": "30.00"}]
    account = expect(client.get(f"/v1/customers/{cid}/account"), 200).json()
    assert (account["balance"], account["total_due"], account["unallocated_credit"]) == (
        "0.00",
        "120.00",
        "120.00",
    )
    after = expect(client.get(f"/v1/customers/{cid}/statement", params={"as_at": _day(1)}), 200).json()
    assert _same(after, before)
    today = expect(client.get(f"/v1/customers/{cid}/statement"), 200).json()
    assert today["items"][-1]["description"] == "Refund" and today["adds_up"] is True

    payments = client.get(f"/v1/customers/{cid}/payments", params={"page_size": 1})
    assert payments.status_code == 200 and "X-Pagination" in payments.headers
    [shown] = payments.json()
    assert shown["allocations"][0]["deallocated_on"] == _day(0) and shown["unallocated"] == "120.00"
    refunds = expect(client.get(f"/v1/customers/{cid}/refunds"), 200)
    assert [r["id"] for r in refunds.json()] == [refund["id"]] and "Link" in refunds.headers
    notes = expect(client.get(f"/v1/customers/{cid}/credit-notes"), 200)
    assert notes.json() == [] and "X-Pagination" in notes.headers
    _reconciled(tenant)
