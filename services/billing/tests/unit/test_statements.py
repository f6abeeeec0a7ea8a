"""Statements (JSON and PDF from one computation), reconciliation, and property tests over the ledger."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pypdf
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from billing.manage import reconcile

from ..conftest import customer_data, line, publish


def _text(pdf_bytes: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages)


def _invoices_and_a_part_payment(api, customer):
    """INV 1 (120.00, 1 Jan, due 31 Jan) 80.00 paid on 1 Feb with 20.00 left over; INV 2 (60.00, 1 Mar)."""
    inv1 = api.post(
        f"/v1/customers/{customer}/invoices", {"lines": [line()], "invoice_date": "2026-01-01"}
    ).get_json()
    inv2 = api.post(
        f"/v1/customers/{customer}/invoices",
        {"lines": [line(unit_price="50.00")], "invoice_date": "2026-03-01"},
    ).get_json()
    api.post(
        "/v1/payments",
        {
            "customer_id": customer,
            "method": "cash",
            "amount": "100.00",
            "received_on": "2026-02-01",
            "allocations": [{"invoice_id": inv1["id"], "amount": "80.00"}],
        },
    )
    return inv1, inv2


def test_statement_as_at_a_past_date_with_running_balance_and_ageing(api, customer):
    _invoices_and_a_part_payment(api, customer)
    s = api.get(f"/v1/customers/{customer}/statement", query_string={"as_at": "2026-02-15"}).get_json()
    assert [(i["reference"], i["balance"]) for i in s["items"]] == [("INV 1", "120.00"), ("Payment", "20.00")]
    assert (s["total_due"], s["total_unallocated"], s["balance"]) == ("40.00", "20.00", "20.00")
    assert s["ageing"]["1_30"] == "40.00"  # due 31 Jan, 15 days overdue
    s2 = api.get(
        f"/v1/customers/{customer}/statement", query_string={"as_at": "2026-03-31", "from": "2026-02-15"}
    ).get_json()
    assert s2["opening_balance"] == "20.00" and s2["closing_balance"] == s2["balance"] == "80.00"
    pdf = api.get(
        f"/v1/customers/{customer}/statement",
        query_string={"as_at": "2026-03-31"},
        headers={"Accept": "application/pdf"},
    )
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = _text(pdf.data)
    assert "Balance due" in text and "80.00" in text and "INV 2" in text


def test_statement_send_keeps_it_and_publishes_for_comms(api, customer, outbox):
    api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]})
    r = api.post(f"/v1/customers/{customer}/statement/send", {})
    assert r.status_code == 201
    sid = r.get_json()["id"]
    [event] = outbox("statement.generated")
    assert event["data"]["statement_id"] == sid and event["data"]["send"] is True
    assert event["data"]["customer_id"] == customer
    pdf = api.get(f"/v1/statements/{sid}.pdf")
    assert pdf.status_code == 200 and "120.00" in _text(pdf.data)
    assert api.get(f"/v1/statements/{sid}").get_json()["balance"] == "120.00"


def test_a_long_statement_runs_over_several_pages(api, customer):
    for _ in range(60):
        api.post(f"/v1/customers/{customer}/invoices", {"lines": [line(unit_price="1.00")]})
    pdf = api.get(f"/v1/customers/{customer}/statement.pdf")
    reader = pypdf.PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) >= 2
    assert "72.00" in _text(pdf.data)


def test_reconciliation_reports_zero_mismatches(api, customer, settings, monkeypatch):
    inv = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]}).get_json()
    api.post(
        "/v1/credit-notes",
        {"invoice_id": inv["id"], "description": "part", "lines": [line(unit_price="10.00")]},
    )
    api.post(
        "/v1/payments",
        {
            "customer_id": customer,
            "method": "cash",
            "amount": "500.00",
            "allocations": [{"invoice_id": inv["id"], "amount": "50.00"}],
        },
    )
    r = api.get("/v1/reconciliation")
    assert (
        r.status_code == 200 and r.get_json()["mismatches"] == [] and r.get_json()["customers_checked"] == 1
    )
    assert api.as_(role="accounts").get("/v1/reconciliation").status_code == 403
    monkeypatch.setenv("DATABASE_URL_BILLING", settings.database_url)
    report = reconcile()
    assert report["tenant-a"]["ok"] is True


# --- property tests ----------------------------------------------------------------------------------

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)
parts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("60"), places=2)  # often fit: allocations
invoice_step = st.tuples(st.just("invoice"), amounts, st.sampled_from(["0", "5", "20"]))
payment_step = st.tuples(
    st.just("payment"), amounts, st.lists(st.tuples(st.integers(0, 20), parts), min_size=1, max_size=3)
)
allocate_step = st.tuples(st.just("allocate"), st.integers(0, 20), st.integers(0, 20), parts)
deallocate_step = st.tuples(st.just("deallocate"), st.integers(0, 20))
actions = st.lists(
    st.one_of(  # a branch listed twice comes twice as often: invoices and allocations to undo
        invoice_step,
        invoice_step,
        st.tuples(st.just("credit_invoice"), st.integers(0, 20), amounts),
        st.tuples(st.just("credit_customer"), amounts),
        payment_step,
        payment_step,
        allocate_step,
        allocate_step,
        st.tuples(st.just("account_credit"), amounts),
        deallocate_step,
        deallocate_step,
        st.tuples(st.just("reverse"), st.integers(0, 20)),
        st.tuples(st.just("refund"), amounts, st.one_of(st.none(), st.integers(0, 20))),
    ),
    min_size=3,
    max_size=15,
)


def _source_path(cid: str, kind: str, source_id: str) -> str:
    if kind == "account-credit":
        return f"/v1/customers/{cid}/account-credit/{source_id}"
    return f"/v1/{kind}/{source_id}"


def _undo(api, cid: str, step: tuple, sources: list, allocations: list, payments: list) -> dict:
    """One random undo: de-allocate, reverse a payment or refund; what it reversed and refunded."""
    kind, back = step[0], {"reversed": Decimal("0"), "refunded": Decimal("0")}
    if kind == "deallocate" and allocations:
        path, sid, aid = allocations[step[1] % len(allocations)]
        r = api.post(f"{_source_path(cid, path, sid)}/allocations/{aid}/deallocate", {"reason": "x"})
        assert r.status_code in (200, 409), r.get_json()  # 409: undone already
    elif kind == "reverse" and payments:
        pid, amount = payments[step[1] % len(payments)]
        r = api.post(f"/v1/payments/{pid}/reverse", {"reason": "Bounced"})
        assert r.status_code in (200, 409), r.get_json()  # 409: reversed already, or refunded
        if r.status_code == 200:
            back["reversed"] = amount
            assert r.get_json()["unallocated"] == "0.00"
    elif kind == "refund":
        body = {"amount": str(step[1]), "method": "bank_transfer"}
        if step[2] is not None and sources:
            body["source_id"] = sources[step[2] % len(sources)][1]
        r = api.post(f"/v1/customers/{cid}/refunds", body)
        assert r.status_code in (201, 409), r.get_json()  # 409: more than is unallocated
        if r.status_code == 201:
            back["refunded"] = step[1]
    return back


D = Decimal


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions)
# every undo at least once, whatever the random draw finds
@example(
    [
        ("invoice", D("100"), "20"),
        ("invoice", D("50"), "0"),
        ("payment", D("200"), [(0, D("60")), (1, D("50"))]),
        ("deallocate", 0),
        ("credit_invoice", 0, D("10")),
        ("account_credit", D("30")),
        ("allocate", 2, 0, D("20")),
        ("deallocate", 3),
        ("refund", D("25"), None),
        ("reverse", 0),
        ("refund", D("5"), 1),
        ("payment", D("40"), [(1, D("40"))]),
        ("reverse", 1),
        ("refund", D("1000"), None),
    ]
)
def test_the_ledger_always_adds_up(api, bus, steps):
    """Random invoices, credit notes, payments, account credit and allocations, and their undoing
    (de-allocations, reversals, refunds): the identities hold whatever the order."""
    cid = str(uuid.uuid4())
    publish(bus, "customer.created", customer_data(cid))
    bus.drain()
    invoices, sources, allocations, payments = [], [], [], []
    invoiced = credited = received = reversed_ = refunded = Decimal("0")

    def made(kind: str, source_id: str, rows: list) -> None:
        allocations.extend((kind, source_id, a["id"]) for a in rows)

    for step in steps:
        kind = step[0]
        if kind == "invoice":
            r = api.post(
                f"/v1/customers/{cid}/invoices", {"lines": [line(unit_price=str(step[1]), vat_rate=step[2])]}
            )
            assert r.status_code == 201
            invoices.append(r.get_json()["id"])
            invoiced += Decimal(r.get_json()["total"])
        elif kind == "credit_invoice" and invoices:
            iid = invoices[step[1] % len(invoices)]
            r = api.post(
                "/v1/credit-notes",
                {
                    "invoice_id": iid,
                    "description": "x",
                    "lines": [line(unit_price=str(step[2]), vat_rate="0")],
                },
            )
            assert r.status_code in (201, 409)
            if r.status_code == 201:
                credited += Decimal(r.get_json()["total"])
                sources.append(("credit-notes", r.get_json()["id"]))
                made("credit-notes", r.get_json()["id"], r.get_json()["allocations"])
        elif kind == "credit_customer":
            r = api.post(
                "/v1/credit-notes",
                {
                    "customer_id": cid,
                    "description": "x",
                    "lines": [line(unit_price=str(step[1]), vat_rate="0")],
                },
            )
            assert r.status_code == 201
            credited += step[1]
            sources.append(("credit-notes", r.get_json()["id"]))
        elif kind == "payment":
            allocs = (
                [{"invoice_id": invoices[i % len(invoices)], "amount": str(a)} for i, a in step[2]]
                if invoices
                else []
            )
            r = api.post(
                "/v1/payments",
                {"customer_id": cid, "method": "cash", "amount": str(step[1]), "allocations": allocs},
            )
            assert r.status_code in (201, 409)
            if r.status_code == 201:
                received += step[1]
                sources.append(("payments", r.get_json()["id"]))
                payments.append((r.get_json()["id"], step[1]))
                made("payments", r.get_json()["id"], r.get_json()["allocations"])
        elif kind == "account_credit":
            r = api.post(
                f"/v1/customers/{cid}/account-credit",
                {"method": "cash", "nominal_account": "4000", "amount": str(step[1])},
            )
            assert r.status_code == 201
            received += step[1]
            sources.append(("account-credit", r.get_json()["id"]))
        elif kind == "allocate" and invoices and sources:
            path, sid = sources[step[1] % len(sources)]
            r = api.post(
                f"{_source_path(cid, path, sid)}/allocations",
                {"allocations": [{"invoice_id": invoices[step[2] % len(invoices)], "amount": str(step[3])}]},
            )
            assert r.status_code in (201, 409), r.get_json()
            if r.status_code == 201:
                made(path, sid, r.get_json()["allocations"])
        elif kind in ("deallocate", "reverse", "refund"):
            back = _undo(api, cid, step, sources, allocations, payments)
            reversed_ += back["reversed"]
            refunded += back["refunded"]
    acc = api.get(f"/v1/customers/{cid}/account").get_json()
    statement = api.get(f"/v1/customers/{cid}/statement").get_json()
    rows = api.get(f"/v1/customers/{cid}/invoices", query_string={"page_size": 100}).get_json()
    # nothing over-allocated: no invoice below 0 or above its total
    for inv in rows:
        assert Decimal("0") <= Decimal(inv["outstanding"]) <= Decimal(inv["total"])
    allocated_to_invoices = invoiced - sum(Decimal(i["outstanding"]) for i in rows)
    # balance = invoiced − credited − received (payments + account credit) + reversed + refunded, ever
    assert Decimal(acc["balance"]) == invoiced - credited - received + reversed_ + refunded
    # what is owed on invoices = invoiced − everything allocated to them (credit notes and cash)
    assert Decimal(acc["total_due"]) == invoiced - allocated_to_invoices
    assert Decimal(acc["unallocated_credit"]) >= 0
    assert Decimal(acc["balance"]) == Decimal(acc["total_due"]) - Decimal(acc["unallocated_credit"])
    # the statement says the same
    assert statement["balance"] == acc["balance"] and statement["total_due"] == acc["total_due"]
    assert statement["adds_up"] is True
    assert sum(Decimal(v) for v in statement["ageing"].values()) == Decimal(statement["total_due"])
    assert api.get("/v1/reconciliation").get_json()["mismatches"] == []


def _late_and_paid_history(api, customer):
    """`_invoices_and_a_part_payment`, then account credit 10.00 on 20 Mar."""
    inv1, inv2 = _invoices_and_a_part_payment(api, customer)
    r = api.post(
        f"/v1/customers/{customer}/account-credit",
        {
            "credit_date": "2026-03-20",
            "method": "bank_transfer",
            "nominal_account": "4000",
            "amount": "10.00",
        },
    )
    assert r.status_code == 201, r.get_json()
    return inv1, inv2


def test_statement_says_per_invoice_whether_it_is_overdue_and_its_debt_age(api, customer):
    inv1, inv2 = _late_and_paid_history(api, customer)
    s = api.get(f"/v1/customers/{customer}/statement", query_string={"as_at": "2026-03-15"}).get_json()
    rows = {i["invoice_id"]: i for i in s["unpaid_invoices"]}
    # INV 1 was due 31 Jan: 43 days past due on 15 Mar; INV 2 is due 31 Mar: not yet
    assert (rows[inv1["id"]]["overdue"], rows[inv1["id"]]["debt_age_days"]) == (True, 43)
    assert (rows[inv2["id"]]["overdue"], rows[inv2["id"]]["debt_age_days"]) == (False, 0)
    assert (s["overdue"], s["debt_age_days"]) == ("40.00", 43)
    # on the due date itself an invoice is not yet overdue
    s = api.get(f"/v1/customers/{customer}/statement", query_string={"as_at": "2026-01-31"}).get_json()
    assert s["unpaid_invoices"][0]["overdue"] is False and s["unpaid_invoices"][0]["debt_age_days"] == 0
    assert (s["overdue"], s["debt_age_days"]) == ("0.00", 0)


def test_account_as_at_a_past_date_agrees_with_the_statement_as_at_it(api, customer):
    _late_and_paid_history(api, customer)
    for as_at in ("2025-12-31", "2026-01-31", "2026-02-15", "2026-03-15", "2026-03-31"):
        acc = api.get(f"/v1/customers/{customer}/account", query_string={"as_at": as_at})
        assert acc.status_code == 200, acc.get_json()
        acc = acc.get_json()
        s = api.get(f"/v1/customers/{customer}/statement", query_string={"as_at": as_at}).get_json()
        assert acc["as_of"] == as_at
        assert (acc["balance"], acc["total_due"], acc["unallocated_credit"]) == (
            s["balance"],
            s["total_due"],
            s["total_unallocated"],
        )
        assert (acc["overdue"], acc["debt_age_days"], acc["ageing"]) == (
            s["overdue"],
            s["debt_age_days"],
            s["ageing"],
        )
        assert acc["account_current"] is (s["overdue"] == "0.00")
    acc = api.get(f"/v1/customers/{customer}/account", query_string={"as_at": "2026-02-15"}).get_json()
    assert (acc["balance"], acc["total_due"], acc["unallocated_credit"]) == ("20.00", "40.00", "20.00")
    assert (acc["overdue"], acc["debt_age_days"], acc["account_credit_available"]) == ("40.00", 15, "0.00")
    assert acc["spend"]["to"] == "2026-02-15"
    acc = api.get(f"/v1/customers/{customer}/account", query_string={"as_at": "2026-03-20"}).get_json()
    assert (acc["balance"], acc["account_credit_available"]) == ("70.00", "10.00")
    # before anything happened: nothing at all
    acc = api.get(f"/v1/customers/{customer}/account", query_string={"as_at": "2025-12-31"}).get_json()
    assert (acc["balance"], acc["total_due"], acc["lifetime_value"]) == ("0.00", "0.00", "0.00")
    # without as_at: today's figures, as before
    assert api.get(f"/v1/customers/{customer}/account").get_json()["as_of"] != "2026-02-15"


def test_account_as_at_counts_lifetime_value_and_retentions_as_they_were_then(api, customer):
    inv = api.post(
        f"/v1/customers/{customer}/invoices",
        {"lines": [line()], "invoice_date": "2026-01-01", "retention_pct": "10"},
    ).get_json()
    assert inv["retention_amount"] == "12.00", inv
    api.post(
        "/v1/payments",
        {
            "customer_id": customer,
            "method": "cash",
            "amount": "120.00",
            "received_on": "2026-02-10",
            "allocations": [{"invoice_id": inv["id"], "amount": "120.00"}],
        },
    )
    before = api.get(f"/v1/customers/{customer}/account", query_string={"as_at": "2026-02-09"}).get_json()
    after = api.get(f"/v1/customers/{customer}/account", query_string={"as_at": "2026-02-10"}).get_json()
    assert (before["lifetime_value"], before["retentions"]) == ("0.00", "12.00")
    assert (after["lifetime_value"], after["retentions"]) == ("120.00", "0.00")
    now = api.get(f"/v1/customers/{customer}/account").get_json()
    assert (now["lifetime_value"], now["retentions"]) == ("120.00", "0.00")


def test_account_as_at_in_the_future_or_not_a_date_is_a_422_naming_the_field(api, customer):
    from datetime import date, timedelta

    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    for bad in (tomorrow, "2026-02-30", "yesterday"):
        r = api.get(f"/v1/customers/{customer}/account", query_string={"as_at": bad})
        assert r.status_code == 422, bad
        assert r.headers["Content-Type"].startswith("application/problem+json")
        assert list(r.get_json()["errors"]) == ["as_at"], r.get_json()
