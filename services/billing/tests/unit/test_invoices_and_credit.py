"""Invoices, consolidated invoices, credit notes."""

from __future__ import annotations

from datetime import timedelta

from billing.service.common import today

from ..conftest import line


def test_invoice_numbers_run_on_per_tenant_and_due_date_follows_terms(api, customer, outbox):
    a = api.post(
        f"/v1/customers/{customer}/invoices", {"lines": [line()], "invoice_date": "2026-01-10"}
    ).get_json()
    b = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()], "draft": True}).get_json()
    assert (a["number"], b["number"]) == (1, 2)
    assert a["due_date"] == "2026-02-09"  # 30 days' terms
    assert (a["status"], b["status"]) == ("issued", "draft")
    assert [e["data"]["id"] for e in outbox("invoice.issued")] == [a["id"]]
    issued = api.post(f"/v1/invoices/{b['id']}/issue")
    assert issued.get_json()["status"] == "issued"


def test_invoice_from_a_job_takes_its_lines_and_retention(api, customer):
    qid = api.post(f"/v1/customers/{customer}/quotes", {"lines": [line(unit_price="250.00")]}).get_json()[
        "id"
    ]
    job = api.post(f"/v1/quotes/{qid}/convert", {}).get_json()["job"]
    inv = api.post(
        f"/v1/customers/{customer}/invoices", {"job_id": job["id"], "retention_pct": "5"}
    ).get_json()
    assert (inv["total"], inv["retention_amount"], inv["job_id"]) == ("300.00", "15.00", job["id"])
    assert api.post(f"/v1/customers/{customer}/invoices", {"job_id": job["id"]}).status_code == 409
    assert api.get(f"/v1/customers/{customer}/account").get_json()["retentions"] == "15.00"


def test_consolidated_invoice_over_open_jobs(api, customer):
    jobs = [
        api.post(f"/v1/customers/{customer}/jobs", {"lines": [line(unit_price=p)]}).get_json()["id"]
        for p in ("100.00", "50.00")
    ]
    r = api.post(
        "/v1/consolidated-invoices",
        {"customer_id": customer, "jobs": [{"job_id": j} for j in jobs], "description": "March works"},
    )
    assert r.status_code == 201, r.get_json()
    inv = r.get_json()
    assert inv["consolidated"] is True and sorted(inv["job_ids"]) == sorted(jobs)
    assert inv["total"] == "180.00" and {x["job_id"] for x in inv["lines"]} == set(jobs)
    again = api.post(
        "/v1/consolidated-invoices", {"customer_id": customer, "jobs": [{"job_id": j} for j in jobs]}
    )
    assert again.status_code == 409


def test_void_needs_if_match_and_is_refused_once_paid(api, customer):
    inv = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]})
    iid, etag = inv.get_json()["id"], inv.headers["ETag"]
    assert api.post(f"/v1/invoices/{iid}/void").status_code == 428
    api.post(
        "/v1/payments",
        {
            "customer_id": customer,
            "method": "cash",
            "amount": "10.00",
            "allocations": [{"invoice_id": iid, "amount": "10.00"}],
        },
    )
    r = api.post(
        f"/v1/invoices/{iid}/void", headers={"If-Match": api.get(f"/v1/invoices/{iid}").headers["ETag"]}
    )
    assert r.status_code == 409
    other = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]})
    r = api.post(f"/v1/invoices/{other.get_json()['id']}/void", headers={"If-Match": other.headers["ETag"]})
    assert r.status_code == 200 and r.get_json()["status"] == "void"
    assert api.get(f"/v1/customers/{customer}/account").get_json()["balance"] == "110.00"
    assert etag


def test_credit_note_against_an_invoice_is_prefilled_and_applied(api, customer):
    inv = api.post(
        f"/v1/customers/{customer}/invoices",
        {
            "lines": [
                line("Labour", unit_price="100.00"),
                line("Valve", unit_price="40.00", vat_rate="5", category="parts"),
            ]
        },
    ).get_json()
    r = api.post(
        "/v1/credit-notes", {"invoice_id": inv["id"], "description": "Refund", "breakdown": "by_category"}
    )
    assert r.status_code == 201, r.get_json()
    note = r.get_json()
    assert note["total"] == inv["total"] == "162.00"
    assert {(x["category"], x["total"]) for x in note["lines"]} == {("labour", "120.00"), ("parts", "42.00")}
    assert note["unallocated"] == "0.00"
    after = api.get(f"/v1/invoices/{inv['id']}").get_json()
    assert (after["status"], after["outstanding"]) == ("paid", "0.00")
    more = api.post("/v1/credit-notes", {"invoice_id": inv["id"], "description": "again"})
    assert more.status_code == 409


def test_credit_note_breakdowns_keep_the_same_total(api, customer):
    lines = [
        line("A", unit_price="10.00"),
        line("B", unit_price="5.55", vat_rate="5", category="parts"),
        line("C", unit_price="1.99"),
    ]
    totals = set()
    for style in ("none", "by_category", "full", "full_by_category"):
        note = api.post(
            "/v1/credit-notes",
            {"customer_id": customer, "description": "Goodwill", "breakdown": style, "lines": lines},
        ).get_json()
        totals.add(note["total"])
        assert note["unallocated"] == note["total"]
    assert totals == {"20.22"}  # 12.00 + (5.55 + 0.28) + (1.99 + 0.40)


def test_figures_overdue_debt_age_and_lifetime_value(api, customer):
    old = (today() - timedelta(days=75)).isoformat()  # billing's today: the UTC date
    api.post(
        f"/v1/customers/{customer}/invoices", {"lines": [line()], "invoice_date": old}
    )  # due 45 days ago
    paid = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line(unit_price="50.00")]}).get_json()
    api.post(
        "/v1/payments",
        {
            "customer_id": customer,
            "method": "card",
            "amount": "60.00",
            "allocations": [{"invoice_id": paid["id"], "amount": "60.00"}],
        },
    )
    acc = api.get(f"/v1/customers/{customer}/account").get_json()
    assert (acc["overdue"], acc["debt_age_days"], acc["account_current"]) == ("120.00", 45, False)
    assert acc["ageing"]["31_60"] == "120.00"
    assert (acc["lifetime_value"], acc["balance"], acc["total_due"]) == ("60.00", "120.00", "120.00")
