"""The aged debtors through the gateway: the report as at a date is the sum of the customers'
statements as at that date, to the penny, as JSON and as CSV; only accounts and admin read it.

Let T be today; 30 days' terms.
  Ann:  INV 120.00 (T-100) 50.00 paid (T-60); INV 360.00 (T-20); 40.00 paid on account (T-10)
  Bob:  INV 240.00 (T-45); INV 60.00 (T-5) paid in full (T-2)
The report is read as at T-30 (later entries ignored) and as at T.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from harness.api import create_customer, expect, private_customer, record_payment
from test_billing_rules import billing_knows, line

BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")
FIGURES = ("balance", "total_due", "total_unallocated", "overdue")


def _sum(values) -> str:
    return str(sum((Decimal(v) for v in values), Decimal("0.00")))


def test_aged_debtors_as_at_a_date_is_the_sum_of_the_statements(tenant):
    client = tenant.client("accounts")
    today = datetime.now(UTC).date()  # billing's today is the UTC date

    def day(n: int) -> str:
        return (today - timedelta(days=n)).isoformat()

    ids = []
    for surname in ("Ageing", "Bucket"):
        customer = create_customer(tenant.admin, private_customer(payment_terms_days=30, surname=surname))
        billing_knows(client, customer["id"], payment_terms_days=30)
        ids.append(customer["id"])
    ann, bob = ids

    def invoice(cid, when, price):
        body = {"invoice_date": when, "lines": [line(price)]}
        return expect(client.post(f"/v1/customers/{cid}/invoices", json=body), 201).json()

    def pay(cid, when, amount, *allocations):
        record_payment(client, cid, amount, *allocations, received_on=when)

    a1 = invoice(ann, day(100), "100.00")
    pay(ann, day(60), "50.00", (a1, "50.00"))
    invoice(ann, day(20), "300.00")
    pay(ann, day(10), "40.00")
    invoice(bob, day(45), "200.00")
    b2 = invoice(bob, day(5), "50.00")
    pay(bob, day(2), "60.00", (b2, "60.00"))

    for as_at in (day(30), day(0)):
        statements = [
            expect(client.get(f"/v1/customers/{cid}/statement", params={"as_at": as_at}), 200).json()
            for cid in ids
        ]
        report = expect(client.get("/v1/reports/aged-debtors", params={"as_at": as_at}), 200).json()
        assert report["as_at"] == as_at
        lines = {line["customer_id"]: line for line in report["customers"]}
        assert set(lines) == set(ids)
        for cid, statement in zip(ids, statements, strict=True):
            for key in (*FIGURES, "ageing", "debt_age_days"):
                assert lines[cid][key] == statement[key], (as_at, key)
        totals = report["totals"]
        for key in FIGURES:
            assert totals[key] == _sum(s[key] for s in statements), (as_at, key)
        for bucket in BUCKETS:
            assert totals["ageing"][bucket] == _sum(s["ageing"][bucket] for s in statements), bucket

        # the CSV says the same, to the penny
        r = expect(client.get("/v1/reports/aged-debtors", params={"as_at": as_at, "format": "csv"}), 200)
        assert r.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
        by_id = {row["Customer ID"]: row for row in rows if row["Customer ID"]}
        [total] = [row for row in rows if row["Customer"] == "Total"]
        for cid, statement in zip(ids, statements, strict=True):
            assert by_id[cid]["Balance"] == statement["balance"]
            assert by_id[cid]["Over 90 days"] == statement["ageing"]["over_90"]
            assert by_id[cid]["Total due"] == statement["total_due"]
        assert total["Balance"] == totals["balance"] == _sum(s["balance"] for s in statements)
        assert total["31-60 days"] == totals["ageing"]["31_60"]

    # by hand, as at T-30: Ann 70.00 left on INV 1, 40 days overdue; Bob 240.00, not yet due
    past = expect(client.get("/v1/reports/aged-debtors", params={"as_at": day(30)}), 200).json()
    assert past["totals"]["balance"] == "310.00"
    assert past["totals"]["ageing"]["31_60"] == "70.00" and past["totals"]["ageing"]["current"] == "240.00"
    # today: Ann 70.00 (61-90) + 360.00 (current) − 40.00 unallocated = 390.00; Bob 240.00 (1-30)
    now = expect(client.get("/v1/reports/aged-debtors"), 200).json()
    assert now["totals"]["balance"] == "630.00" and now["as_at"] == day(0)
    assert now["totals"]["ageing"]["61_90"] == "70.00" and now["totals"]["ageing"]["1_30"] == "240.00"

    for role in ("sales", "readonly"):
        assert tenant.client(role).get("/v1/reports/aged-debtors").status_code == 403
