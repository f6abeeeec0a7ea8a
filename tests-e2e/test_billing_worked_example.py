"""The worked example, figures computed by hand: three invoices with mixed VAT, a credit note, a
payment allocated partially across two invoices, account credit → balance, total due, ageing,
statement totals to the penny, and the statement PDF parsed back.

Let T be today; 30 days' terms.
  INV A (T-100, due T-70): 2 × 150.00 @20% = 300.00 + 60.00;  1 × 45.50 @5% = 45.50 + 2.28 (2.275↑)  → 407.78
  INV B (T-50,  due T-20): 3 × 19.99 @20% = 59.97 + 11.99 (11.994↓); 1 × 80.00 @0% = 80.00          → 151.96
  INV C (T-10,  due T+20): 1 × 1234.56 @20% = 1234.56 + 246.91 (246.912↓)                            → 1481.47
  invoiced 2041.21
  CN against B (T-40): 30.00 @0%                    → B outstanding 121.96
  Payment 500.00 (T-30): 300.00 to A, 100.00 to B  → A 107.78, B 21.96, 100.00 unallocated
  Account credit 50.00 (T-5), not applied
  balance   = 2041.21 - 30.00 - 500.00 - 50.00 = 1461.21
  total due = 107.78 + 21.96 + 1481.47          = 1611.21;  unallocated 150.00;  1611.21 - 150.00 = 1461.21
  ageing at T: A 70 days overdue → 61–90: 107.78; B 20 days → 1–30: 21.96; C not due → current 1481.47
  overdue 129.74, debt age 70 days
  statement as at T-35: A, B, CN → 529.74; A 35 days overdue → 31–60: 407.78; B not due → current 121.96
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pypdf

from harness.api import create_customer, expect, private_customer, record_payment
from test_billing_rules import billing_knows, line


def test_worked_example_adds_up_to_the_penny(tenant):
    client = tenant.client("accounts")
    customer = create_customer(tenant.admin, private_customer(payment_terms_days=30, surname="Penny"))
    cid = customer["id"]
    billing_knows(client, cid, payment_terms_days=30)
    today = datetime.now(UTC).date()  # billing's today is the UTC date

    def day(n: int) -> str:
        return (today - timedelta(days=n)).isoformat()

    def invoice(when, lines):
        return expect(
            client.post(f"/v1/customers/{cid}/invoices", json={"invoice_date": when, "lines": lines}), 201
        ).json()

    a = invoice(
        day(100), [line("150.00", "20", "2"), line("45.50", "5", category="parts", description="Valve")]
    )
    b = invoice(
        day(50),
        [
            line("19.99", "20", "3", "parts", "Filter"),
            line("80.00", "0", category="other", description="Permit"),
        ],
    )
    c = invoice(day(10), [line("1234.56", "20", description="Boiler")])
    assert (a["total"], b["total"], c["total"]) == ("407.78", "151.96", "1481.47")
    assert (a["due_date"], b["due_date"], c["due_date"]) == (day(70), day(20), day(-20))

    note = expect(
        client.post(
            "/v1/credit-notes",
            json={
                "invoice_id": b["id"],
                "description": "Permit refund",
                "credit_date": day(40),
                "lines": [line("30.00", "0", category="other")],
            },
        ),
        201,
    ).json()
    assert note["total"] == "30.00" and note["unallocated"] == "0.00"
    payment = record_payment(
        client, cid, "500.00", (a, "300.00"), (b, "100.00"), received_on=day(30), reference="BACS 0042"
    )
    assert payment["unallocated"] == "100.00"
    expect(
        client.post(
            f"/v1/customers/{cid}/account-credit",
            json={
                "credit_date": day(5),
                "reference": "Goodwill",
                "method": "bank_transfer",
                "nominal_account": "4000",
                "amount": "50.00",
            },
        ),
        201,
    )

    account = expect(client.get(f"/v1/customers/{cid}/account"), 200).json()
    assert account["balance"] == "1461.21"
    assert account["total_due"] == "1611.21"
    assert account["unallocated_credit"] == "150.00"
    assert account["account_credit_available"] == "50.00"
    assert account["ageing"] == {
        "current": "1481.47",
        "1_30": "21.96",
        "31_60": "0.00",
        "61_90": "107.78",
        "over_90": "0.00",
    }
    crossed_midnight = (date.fromisoformat(account["as_of"]) - today).days  # 0, or 1 just after midnight
    assert (account["overdue"], account["debt_age_days"], account["account_current"]) == (
        "129.74",
        70 + crossed_midnight,
        False,
    )
    invoices = expect(client.get(f"/v1/customers/{cid}/invoices"), 200).json()
    assert [(i["number"], i["status"], i["outstanding"]) for i in invoices] == [
        (c["number"], "issued", "1481.47"),
        (b["number"], "part_paid", "21.96"),
        (a["number"], "part_paid", "107.78"),
    ]

    statement = expect(client.get(f"/v1/customers/{cid}/statement"), 200).json()
    assert [(i["reference"], i["balance"]) for i in statement["items"]] == [
        (f"INV {a['number']}", "407.78"),
        (f"INV {b['number']}", "559.74"),
        (f"CN {note['number']}", "529.74"),
        ("BACS 0042", "29.74"),
        (f"INV {c['number']}", "1511.21"),
        ("Goodwill", "1461.21"),
    ]
    assert (statement["opening_balance"], statement["closing_balance"]) == ("0.00", "1461.21")
    assert (statement["total_due"], statement["total_unallocated"], statement["balance"]) == (
        "1611.21",
        "150.00",
        "1461.21",
    )
    assert statement["ageing"] == account["ageing"]
    assert sorted(u["unallocated"] for u in statement["unallocated_credits"]) == ["100.00", "50.00"]

    past = expect(client.get(f"/v1/customers/{cid}/statement", params={"as_at": day(35)}), 200).json()
    assert (past["balance"], past["total_due"], past["total_unallocated"]) == ("529.74", "529.74", "0.00")
    assert past["ageing"]["31_60"] == "407.78" and past["ageing"]["current"] == "121.96"

    # per open invoice: overdue and its debt age as at the statement's date; the oldest in the summary
    as_at = date.fromisoformat(statement["as_at"])
    late = {u["invoice_id"]: (u["overdue"], u["debt_age_days"]) for u in statement["unpaid_invoices"]}
    assert late == {
        a["id"]: (True, (as_at - date.fromisoformat(day(70))).days),
        b["id"]: (True, (as_at - date.fromisoformat(day(20))).days),
        c["id"]: (False, 0),
    }
    assert (statement["overdue"], statement["debt_age_days"]) == ("129.74", late[a["id"]][1])
    assert (past["overdue"], past["debt_age_days"]) == ("407.78", 35)

    # the account figures as at a past date are the statement's as at it
    then = expect(client.get(f"/v1/customers/{cid}/account", params={"as_at": day(35)}), 200).json()
    assert (then["as_of"], then["balance"], then["total_due"], then["unallocated_credit"]) == (
        day(35),
        "529.74",
        "529.74",
        "0.00",
    )
    assert (then["overdue"], then["debt_age_days"], then["ageing"]) == ("407.78", 35, past["ageing"])
    future = expect(client.get(f"/v1/customers/{cid}/account", params={"as_at": day(-2)}), 422).json()
    assert list(future["errors"]) == ["as_at"]

    pdf = expect(client.get(f"/v1/customers/{cid}/statement", headers={"Accept": "application/pdf"}), 200)
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Balance due" in text and "1461.21" in text and "1611.21" in text and "Penny" in text

    sent = expect(client.post(f"/v1/customers/{cid}/statement/send", json={}), 201).json()
    kept = expect(client.get(f"/v1/statements/{sent['id']}.pdf"), 200)
    assert "1461.21" in "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(kept.content)).pages)

    report = expect(tenant.admin.get("/v1/reconciliation"), 200).json()
    assert report["ok"] is True and report["customers_checked"] == 1
