"""Undoing money (de-allocate, reverse a payment, refund) as ledger entries; the new lists and filters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from ..conftest import line


def day(n: int) -> str:
    """n days ago (billing's today is the UTC date)."""
    return (datetime.now(UTC).date() - timedelta(days=n)).isoformat()


def _invoice(api, customer, unit_price="100.00", when=None, **extra):
    body = {"lines": [line(unit_price=unit_price)], **extra}
    if when:
        body["invoice_date"] = when
    r = api.post(f"/v1/customers/{customer}/invoices", body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _pay(api, customer, amount, allocations=(), when=None, method="cheque"):
    body = {"customer_id": customer, "method": method, "amount": amount, "reference": "CHQ 100"}
    body["allocations"] = [{"invoice_id": i, "amount": a} for i, a in allocations]
    if when:
        body["received_on"] = when
    r = api.post("/v1/payments", body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _statement(api, customer, as_at=None):
    query = {"as_at": as_at} if as_at else {}
    return api.get(f"/v1/customers/{customer}/statement", query_string=query).get_json()


def _clean(api):
    assert api.get("/v1/reconciliation").get_json()["mismatches"] == []


def test_a_bounced_cheque_reopens_its_invoices_and_leaves_earlier_statements_alone(api, customer, outbox):
    a = _invoice(api, customer, when=day(20))
    b = _invoice(api, customer, "50.00", when=day(20))
    pay = _pay(api, customer, "200.00", [(a["id"], "120.00"), (b["id"], "60.00")], when=day(10))
    assert [api.get(f"/v1/invoices/{i['id']}").get_json()["status"] for i in (a, b)] == ["paid", "paid"]
    before = _statement(api, customer, day(1))

    r = api.post(f"/v1/payments/{pay['id']}/reverse", {"reason": "Cheque returned unpaid"})
    assert r.status_code == 200, r.get_json()
    shown = r.get_json()
    assert (shown["status"], shown["reversed_on"], shown["unallocated"]) == ("reversed", day(0), "0.00")
    assert shown["reversal_reason"] == "Cheque returned unpaid"
    assert all(al["deallocated_on"] == day(0) for al in shown["allocations"])
    for inv in (a, b):
        now = api.get(f"/v1/invoices/{inv['id']}").get_json()
        assert (now["status"], now["outstanding"]) == ("issued", inv["total"])
    acc = api.get(f"/v1/customers/{customer}/account").get_json()
    assert (acc["balance"], acc["total_due"], acc["unallocated_credit"]) == ("180.00", "180.00", "0.00")
    assert _statement(api, customer, day(1)) | {"generated_at": None} == before | {"generated_at": None}
    today = _statement(api, customer)
    assert [(i["description"], i["debit"]) for i in today["items"]][-1] == ("Payment reversed", "200.00")
    assert today["unallocated_credits"] == [] and today["adds_up"] is True
    _clean(api)

    [event] = outbox("payment.reversed")
    assert event["data"]["reason"] == "Cheque returned unpaid" and len(event["data"]["deallocated"]) == 2
    assert len(outbox("payment.deallocated")) == 2 and len(outbox("invoice.reopened")) == 2
    assert outbox("ledger.balance_changed")[-1]["data"]["balance"] == "180.00"

    again = api.post(f"/v1/payments/{pay['id']}/reverse", {"reason": "again"})
    assert again.status_code == 409 and again.get_json()["reversed_on"] == day(0)
    assert api.as_(role="accounts").get(f"/v1/payments/{pay['id']}").get_json()["status"] == "reversed"


def test_a_reversal_is_dated_when_it_happens_never_in_the_future_nor_before_the_payment_moved(api, customer):
    inv = _invoice(api, customer, when=day(20))
    pay = _pay(api, customer, "100.00", [(inv["id"], "100.00")], when=day(10))
    for when in (day(-1), day(11)):
        r = api.post(f"/v1/payments/{pay['id']}/reverse", {"reason": "x", "reversed_on": when})
        assert r.status_code == 422 and list(r.get_json()["errors"]) == ["reversed_on"], r.get_json()
    assert api.post(f"/v1/payments/{pay['id']}/reverse", {}).status_code == 422  # the reason is needed
    r = api.post(f"/v1/payments/{pay['id']}/reverse", {"reason": "Bounced", "reversed_on": day(5)})
    assert r.status_code == 200
    assert _statement(api, customer, day(6))["balance"] == "20.00"  # paid then: 120 − 100
    assert _statement(api, customer, day(5))["balance"] == "120.00"
    _clean(api)


def test_deallocate_gives_the_amount_back_to_both_sides_once(api, customer, outbox):
    a, b = _invoice(api, customer), _invoice(api, customer)
    pay = _pay(api, customer, "150.00", [(a["id"], "120.00"), (b["id"], "30.00")])
    first = next(al for al in pay["allocations"] if al["invoice_id"] == a["id"])
    path = f"/v1/payments/{pay['id']}/allocations/{first['id']}/deallocate"
    r = api.post(path, {"reason": "Allocated to the wrong invoice"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["unallocated"], body["invoice_status"], body["outstanding"]) == (
        "120.00",
        "issued",
        "120.00",
    )
    assert body["allocation"]["deallocation_reason"] == "Allocated to the wrong invoice"
    assert api.post(path, {}).status_code == 409
    other = _pay(api, customer, "1.00")
    assert api.post(f"/v1/payments/{other['id']}/allocations/{first['id']}/deallocate", {}).status_code == 404
    assert api.post(path.replace(first["id"], pay["id"]), {}).status_code == 404
    # the credit can go to the right invoice now
    r = api.post(
        f"/v1/payments/{pay['id']}/allocations", {"allocations": [{"invoice_id": b["id"], "amount": "90.00"}]}
    )
    assert r.status_code == 201 and api.get(f"/v1/invoices/{b['id']}").get_json()["status"] == "paid"
    [event] = outbox("payment.deallocated")
    assert event["data"]["amount"] == "120.00" and event["data"]["invoice_id"] == a["id"]
    acc = api.get(f"/v1/customers/{customer}/account").get_json()
    assert (acc["balance"], acc["total_due"], acc["unallocated_credit"]) == (
        "89.00",
        "120.00",
        "31.00",
    )  # and `other` 1.00
    _clean(api)


def test_account_credit_and_credit_notes_deallocate_too(api, customer):
    inv = _invoice(api, customer)
    credit = api.post(
        f"/v1/customers/{customer}/account-credit",
        {"method": "cash", "nominal_account": "4000", "amount": "20.00"},
    ).get_json()
    made = api.post(
        f"/v1/customers/{customer}/account-credit/{credit['id']}/allocations",
        {"allocations": [{"invoice_id": inv["id"], "amount": "20.00"}]},
    ).get_json()["allocations"][0]
    base = f"/v1/customers/{customer}/account-credit/{credit['id']}/allocations/{made['id']}/deallocate"
    r = api.post(base, {})
    assert r.status_code == 200 and r.get_json()["unallocated"] == "20.00"
    note = api.post(
        "/v1/credit-notes", {"invoice_id": inv["id"], "description": "x", "lines": [line(unit_price="10.00")]}
    ).get_json()
    [applied] = note["allocations"]  # a credit note against an invoice is applied to it at once
    r = api.post(f"/v1/credit-notes/{note['id']}/allocations/{applied['id']}/deallocate", {})
    assert r.status_code == 200 and (r.get_json()["unallocated"], r.get_json()["outstanding"]) == (
        "12.00",
        "120.00",
    )
    assert api.get(f"/v1/credit-notes/{note['id']}").get_json()["allocations"][0]["deallocated_on"] == day(0)
    assert api.get(f"/v1/customers/{customer}/account").get_json()["unallocated_credit"] == "32.00"
    _clean(api)


def test_refund_takes_unallocated_credit_oldest_first_and_never_more(api, customer, outbox):
    inv = _invoice(api, customer)
    old = _pay(api, customer, "150.00", [(inv["id"], "120.00")], when=day(3))  # 30.00 over
    new = api.post(
        f"/v1/customers/{customer}/account-credit",
        {"method": "cash", "nominal_account": "4000", "amount": "25.00", "credit_date": day(1)},
    ).get_json()
    too_much = api.post(f"/v1/customers/{customer}/refunds", {"amount": "55.01", "method": "bank_transfer"})
    assert too_much.status_code == 409
    assert (too_much.get_json()["requested"], too_much.get_json()["unallocated"]) == ("55.01", "55.00")
    r = api.post(
        f"/v1/customers/{customer}/refunds",
        {"amount": "40.00", "method": "bank_transfer", "reference": "BACS back"},
    )
    assert r.status_code == 201, r.get_json()
    refund = r.get_json()
    assert r.headers["Location"].endswith(f"/refunds/{refund['id']}")
    assert [(s["source_id"], s["amount"]) for s in refund["sources"]] == [
        (old["id"], "30.00"),
        (new["id"], "10.00"),
    ]
    acc = api.get(f"/v1/customers/{customer}/account").get_json()
    assert (acc["balance"], acc["unallocated_credit"], acc["account_credit_available"]) == (
        "-15.00",
        "15.00",
        "15.00",
    )
    # from one source named
    named = api.post(
        f"/v1/customers/{customer}/refunds", {"amount": "15.01", "method": "cash", "source_id": new["id"]}
    )
    assert named.status_code == 409 and named.get_json()["unallocated"] == "15.00"
    assert (
        api.post(
            f"/v1/customers/{customer}/refunds", {"amount": "1.00", "method": "cash", "source_id": inv["id"]}
        ).status_code
        == 422
    )
    # a refunded payment cannot bounce any more: that money went back out
    assert api.post(f"/v1/payments/{old['id']}/reverse", {"reason": "x"}).status_code == 409
    [event] = outbox("refund.issued")
    assert event["data"]["amount"] == "40.00" and len(event["data"]["sources"]) == 2
    statement = _statement(api, customer)
    assert [(i["description"], i["debit"]) for i in statement["items"]][-2:] == [
        ("Refund", "30.00"),
        ("Refund", "10.00"),
    ]
    assert _statement(api, customer, day(1))["balance"] == "-175.00"  # before the invoice and refund
    listed = api.get(f"/v1/customers/{customer}/refunds")
    assert [x["id"] for x in listed.get_json()] == [refund["id"]] and "X-Pagination" in listed.headers
    assert api.get(f"/v1/customers/{customer}/refunds/{refund['id']}").get_json()["amount"] == "40.00"
    _clean(api)


def test_a_backdated_refund_cannot_take_credit_that_was_allocated_after_its_date(api, customer):
    inv = _invoice(api, customer)
    pay = _pay(api, customer, "120.00", when=day(10))
    api.post(
        f"/v1/payments/{pay['id']}/allocations",
        {"allocated_on": day(5), "allocations": [{"invoice_id": inv["id"], "amount": "120.00"}]},
    )
    allocation = api.get(f"/v1/payments/{pay['id']}").get_json()["allocations"][0]
    api.post(
        f"/v1/payments/{pay['id']}/allocations/{allocation['id']}/deallocate", {"deallocated_on": day(2)}
    )
    # 120.00 unallocated today, but none of it between day 5 and day 2
    r = api.post(
        f"/v1/customers/{customer}/refunds", {"amount": "1.00", "method": "cash", "refunded_on": day(7)}
    )
    assert r.status_code == 409 and r.get_json()["unallocated"] == "0.00"
    r = api.post(
        f"/v1/customers/{customer}/refunds", {"amount": "120.00", "method": "cash", "refunded_on": day(2)}
    )
    assert r.status_code == 201
    future = api.post(
        f"/v1/customers/{customer}/refunds", {"amount": "1.00", "method": "cash", "refunded_on": day(-1)}
    )
    assert future.status_code == 422 and list(future.get_json()["errors"]) == ["refunded_on"]
    _clean(api)


def test_payments_and_credit_notes_lists_are_paged(api, customer):
    inv = _invoice(api, customer)
    for n in (1, 2, 3):
        _pay(api, customer, f"{n}.00", when=day(n))
    api.post(
        f"/v1/customers/{customer}/account-credit",
        {"method": "cash", "nominal_account": "4000", "amount": "9.00"},
    )
    first = api.get(f"/v1/customers/{customer}/payments", query_string={"page_size": 2})
    assert [p["amount"] for p in first.get_json()] == ["1.00", "2.00"]  # latest first, no account credit
    assert json.loads(first.headers["X-Pagination"])["total"] == 3 and 'rel="next"' in first.headers["Link"]
    for text in ("a", "b"):
        api.post(
            "/v1/credit-notes", {"invoice_id": inv["id"], "description": text, "lines": [line("L", "1", "5")]}
        )
    notes = api.get(f"/v1/customers/{customer}/credit-notes", query_string={"page_size": 1, "page": 2})
    assert [n["description"] for n in notes.get_json()] == ["a"]
    assert json.loads(notes.headers["X-Pagination"])["total"] == 2
    assert api.get(f"/v1/customers/{customer}/payments", query_string={"page_size": 1000}).status_code == 422


def test_quotes_jobs_and_invoices_filter_by_status_work_address_and_dates(api, customer, bus):
    from ..conftest import publish

    site = "6b1e6c1e-0000-4000-8000-000000000001"
    publish(
        bus,
        "work_address.created",
        {"id": site, "customer_id": customer, "version": 1, "status": "active", "address": {}},
    )
    bus.drain()
    late = _invoice(api, customer, when=day(60))  # due 30 days later: overdue
    _invoice(api, customer, when=day(5), work_address_id=site)
    paid = _invoice(api, customer, when=day(61))
    _pay(api, customer, "120.00", [(paid["id"], "120.00")])

    def numbers(path, **query):
        r = api.get(f"/v1/customers/{customer}/{path}", query_string=query)
        assert r.status_code == 200, r.get_json()
        return [row["number"] for row in r.get_json()]

    assert numbers("invoices", status="overdue") == [late["number"]]
    assert numbers("invoices", status="paid") == [paid["number"]]
    assert len(numbers("invoices", work_address_id=site)) == 1
    assert numbers("invoices", **{"from": day(61), "to": day(60)}) == [late["number"], paid["number"]]
    api.post(f"/v1/customers/{customer}/quotes", {"lines": [line()], "work_address_id": site})
    assert len(numbers("quotes", status="draft", work_address_id=site, **{"from": day(0)})) == 1
    assert numbers("quotes", status="sent") == [] and numbers("quotes", to=day(1)) == []
    api.post(f"/v1/customers/{customer}/jobs", {"description": "Service"})
    assert len(numbers("jobs", status="open", **{"from": day(0), "to": day(0)})) == 1
    for path, query, field in (
        ("invoices", {"status": "pending"}, "status"),
        ("jobs", {"status": "paid"}, "status"),
        ("quotes", {"work_address_id": "nope"}, "work_address_id"),
        ("invoices", {"from": day(1), "to": day(2)}, "to"),
        ("invoices", {"colour": "red"}, "colour"),
    ):
        r = api.get(f"/v1/customers/{customer}/{path}", query_string=query)
        assert r.status_code == 422 and list(r.get_json()["errors"]) == [field], (path, query, r.get_json())
