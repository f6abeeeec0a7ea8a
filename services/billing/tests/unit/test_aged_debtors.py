"""The aged debtors report: each customer's line is their statement's summary as at the date, the
totals are the sum of every customer's statement, to the penny; CSV, XLSX and PDF say the same."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pypdf
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from billing.domain import ledger
from billing.service.common import today
from fieldbook_shared.testing import payment_body

from ..conftest import customer_data, line, publish

AS_AT = "2026-06-15"
BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")
FIGURES = ("balance", "total_due", "total_unallocated", "overdue", "debt_age_days")
REPORT = "/v1/reports/aged-debtors"


def _customer(bus, name: str, **extra) -> str:
    cid = str(uuid.uuid4())
    publish(bus, "customer.created", customer_data(cid, display_name=name, **extra))
    bus.drain()
    return cid


def _invoice(api, cid, on: str, unit_price: str = "100.00") -> dict:
    """An issued invoice dated `on` (due 30 days later): 20% VAT on `unit_price`."""
    r = api.post(
        f"/v1/customers/{cid}/invoices", {"lines": [line(unit_price=unit_price)], "invoice_date": on}
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _payment(api, cid, amount: str, on: str, *allocations: tuple[dict, str]) -> dict:
    r = api.post("/v1/payments", payment_body(cid, amount, *allocations, received_on=on))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _credit_note(api, on: str, unit_price: str = "10.00", **target) -> dict:
    body = {"description": "Goodwill", "credit_date": on, "lines": [line(unit_price=unit_price)], **target}
    r = api.post("/v1/credit-notes", body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _ledger(api, bus) -> dict[str, str]:
    """Five customers, by name → id; as at 15 June 2026:

    Alpha: INV 120.00 (1 Jan) 80.00 paid from a payment of 100.00 (1 Feb), INV 60.00 (1 Mar), a
      credit note of 12.00 on the account (1 May): 40.00 over 90 days, 60.00 61-90, 32.00
      unallocated, balance 68.00; 60.00 paid on 1 July (after the date).
    Bravo: INV 120.00 (10 Apr) 12.00 credited against it, INV 120.00 (1 May), INV 240.00 (20 May)
      50.00 paid (1 Jun): 108.00 31-60, 120.00 1-30, 190.00 current, balance 418.00.
    Charlie: INV 120.00 (1 Jun) and a payment of 120.00 (2 Jun) not allocated: balance 0.
    Delta: INV 120.00 (1 Feb) paid in full (1 Mar): nothing, not listed.
    Echo: INV 120.00 on 1 July only: not listed as at 15 June.
    """
    ids = {
        name: _customer(bus, name, accounts_ref="ALP001" if name == "Alpha Ltd" else None)
        for name in ("Alpha Ltd", "Bravo Ltd", "charlie's", "Delta Ltd", "Echo Ltd")
    }
    alpha, bravo, charlie, delta, echo = ids.values()
    a1 = _invoice(api, alpha, "2026-01-01")
    a2 = _invoice(api, alpha, "2026-03-01", "50.00")
    _payment(api, alpha, "100.00", "2026-02-01", (a1, "80.00"))
    _credit_note(api, "2026-05-01", customer_id=alpha)
    _payment(api, alpha, "60.00", "2026-07-01", (a2, "60.00"))
    b1 = _invoice(api, bravo, "2026-04-10")
    _credit_note(api, "2026-05-01", invoice_id=b1["id"])
    _invoice(api, bravo, "2026-05-01")
    b3 = _invoice(api, bravo, "2026-05-20", "200.00")
    _payment(api, bravo, "50.00", "2026-06-01", (b3, "50.00"))
    _invoice(api, charlie, "2026-06-01")
    _payment(api, charlie, "120.00", "2026-06-02")
    d1 = _invoice(api, delta, "2026-02-01")
    _payment(api, delta, "120.00", "2026-03-01", (d1, "120.00"))
    _invoice(api, echo, "2026-07-01")
    return ids


def _statement(api, cid, as_at) -> dict:
    r = api.get(f"/v1/customers/{cid}/statement", query_string={"as_at": as_at})
    assert r.status_code == 200
    return r.get_json()


def _summary(statement: dict) -> dict:
    return {**{k: statement[k] for k in FIGURES}, "ageing": statement["ageing"]}


def _sum(values) -> str:
    return str(sum((Decimal(v) for v in values), Decimal("0.00")))


def _assert_sum_of_statements(api, ids: dict[str, str], as_at: str) -> dict:
    """The report as at `as_at`: each line is the customer's statement summary; the totals are the
    sums over every customer's statement (those not listed have nothing to add)."""
    r = api.get(REPORT, query_string={"as_at": as_at})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    report = r.get_json()
    assert report["as_at"] == as_at
    statements = {cid: _statement(api, cid, as_at) for cid in ids.values()}
    for row in report["customers"]:
        assert {k: row[k] for k in (*FIGURES, "ageing")} == _summary(statements[row["customer_id"]])
    listed = {row["customer_id"] for row in report["customers"]}
    for cid, s in statements.items():
        if cid not in listed:
            assert (s["balance"], s["total_due"], s["total_unallocated"]) == ("0.00", "0.00", "0.00")
    totals = report["totals"]
    for key in ("balance", "total_due", "total_unallocated", "overdue"):
        assert totals[key] == _sum(s[key] for s in statements.values()), key
    for bucket in BUCKETS:
        assert totals["ageing"][bucket] == _sum(s["ageing"][bucket] for s in statements.values()), bucket
    assert totals["debt_age_days"] == max(s["debt_age_days"] for s in statements.values())
    assert totals["customers"] == len(report["customers"])
    return report


def test_the_report_as_at_a_date_is_the_sum_of_the_statements_as_at_that_date(api, bus):
    ids = _ledger(api, bus)
    report = _assert_sum_of_statements(api, ids, AS_AT)
    rows = {row["name"]: row for row in report["customers"]}
    assert [row["name"] for row in report["customers"]] == ["Alpha Ltd", "Bravo Ltd", "charlie's"]
    alpha, bravo, charlie = rows["Alpha Ltd"], rows["Bravo Ltd"], rows["charlie's"]
    assert alpha["accounts_ref"] == "ALP001" and bravo["accounts_ref"] is None
    assert alpha["customer_id"] == ids["Alpha Ltd"]
    # the 60.00 paid on 1 July is not known as at 15 June
    assert (alpha["balance"], alpha["total_due"], alpha["total_unallocated"]) == ("68.00", "100.00", "32.00")
    assert alpha["ageing"] == {
        "current": "0.00",
        "1_30": "0.00",
        "31_60": "0.00",
        "61_90": "60.00",
        "over_90": "40.00",
    }
    assert (alpha["overdue"], alpha["debt_age_days"]) == ("100.00", 135)
    assert bravo["ageing"] == {
        "current": "190.00",
        "1_30": "120.00",
        "31_60": "108.00",
        "61_90": "0.00",
        "over_90": "0.00",
    }
    assert bravo["balance"] == "418.00"
    # nothing owed on balance, but an invoice and a payment to allocate: listed
    assert (charlie["balance"], charlie["total_due"], charlie["total_unallocated"]) == (
        "0.00",
        "120.00",
        "120.00",
    )
    assert report["totals"]["balance"] == "486.00"
    assert report["totals"]["ageing"]["current"] == "310.00"


def test_later_entries_change_today_but_not_the_past(api, bus):
    ids = _ledger(api, bus)
    past = api.get(REPORT, query_string={"as_at": AS_AT}).get_json()
    now = _assert_sum_of_statements(api, ids, today().isoformat())
    names = [row["name"] for row in now["customers"]]
    assert "Echo Ltd" in names and "Delta Ltd" not in names
    assert now == api.get(REPORT).get_json() | {
        "generated_at": now["generated_at"]
    }  # as_at defaults to today
    # an entry dated today leaves the report as at 15 June as it was
    _payment(api, ids["Bravo Ltd"], "5.00", today().isoformat())
    again = api.get(REPORT, query_string={"as_at": AS_AT}).get_json()
    assert {k: v for k, v in again.items() if k != "generated_at"} == {
        k: v for k, v in past.items() if k != "generated_at"
    }


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _expected_rows(report: dict) -> list[list[str]]:
    """The report's numbers as the files' rows (customers, then the totals)."""

    def cells(row):
        return [
            row["balance"],
            *(row["ageing"][b] for b in BUCKETS),
            row["total_due"],
            row["total_unallocated"],
            row["overdue"],
            str(row["debt_age_days"]),
        ]

    rows = [[r["customer_id"], r["name"], r["accounts_ref"] or "", *cells(r)] for r in report["customers"]]
    return [*rows, ["", "Total", "", *cells(report["totals"])]]


def test_csv_xlsx_and_pdf_say_the_same_numbers(api, bus):
    _ledger(api, bus)
    report = api.get(REPORT, query_string={"as_at": AS_AT}).get_json()
    expected = _expected_rows(report)

    r = api.get(REPORT, query_string={"as_at": AS_AT, "format": "csv"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"] == f'attachment; filename="aged-debtors-{AS_AT}.csv"'
    rows = _csv_rows(r.data)
    assert rows[0][:4] == ["Customer ID", "Customer", "Accounts ref", "Balance"]
    assert rows[1:] == expected
    # the same file when `Accept` asks for it
    by_accept = api.get(REPORT, query_string={"as_at": AS_AT}, headers={"Accept": "text/csv"})
    assert _csv_rows(by_accept.data) == rows

    x = api.get(
        REPORT,
        query_string={"as_at": AS_AT},
        headers={"Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    assert x.status_code == 200 and x.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(x.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == rows[0]
    for got, want in zip(values[1:], expected, strict=True):
        assert [got[0] or "", got[1], got[2] or ""] == want[:3]
        assert all(isinstance(v, Decimal | int | float) for v in got[3:])
        assert [f"{Decimal(str(v)):.2f}" for v in got[3:-1]] == want[3:-1]  # typed numbers, to the penny
        assert str(got[-1]) == want[-1]

    p = api.get(REPORT, query_string={"as_at": AS_AT, "format": "pdf"})
    assert p.status_code == 200 and p.headers["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(p.data)).pages)
    assert f"Aged debtors — as at {AS_AT}" in text
    for row in expected:
        assert row[1] in text
        for amount in row[3:]:
            assert amount in text


def test_who_may_read_it_and_what_it_refuses(api, bus):
    _ledger(api, bus)
    assert api.as_(role="accounts").get(REPORT).status_code == 200
    for role in ("sales", "engineer", "readonly", "partner"):
        assert api.as_(role=role).get(REPORT).status_code == 403, role
    future = api.get(REPORT, query_string={"as_at": "2999-01-01"})
    assert future.status_code == 422 and "as_at" in future.get_json()["errors"]
    assert api.get(REPORT, query_string={"format": "docx"}).status_code == 422
    assert api.get(REPORT, query_string={"colour": "red"}).status_code == 422


def test_an_empty_ledger_gives_an_empty_report(api):
    report = api.get(REPORT).get_json()
    assert report["customers"] == [] and report["totals"]["balance"] == "0.00"
    assert report["totals"]["customers"] == 0
    r = api.get(REPORT, query_string={"format": "csv"})
    assert _csv_rows(r.data)[1:] == [["", "Total", "", *["0.00"] * 9, "0"]]


# --- the arithmetic, over random ledgers ------------------------------------------------------------

DAY0 = date(2026, 1, 1)


@st.composite
def _ledgers(draw) -> tuple[dict[str, list[ledger.Entry]], date]:
    """Up to four customers' entries on random days: invoices, credit sources, allocations between
    them (and de-allocations), each moving balance = invoice − source as the real ledger does."""
    cents_ = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("900"), places=2)
    out: dict[str, list[ledger.Entry]] = {}
    seq = 0
    for c in range(draw(st.integers(1, 4))):
        entries: list[ledger.Entry] = []
        for _ in range(draw(st.integers(0, 8))):
            seq += 1
            on = DAY0 + timedelta(days=draw(st.integers(0, 200)))
            kind = draw(st.sampled_from(("invoice", "payment", "credit_note", "allocation", "deallocation")))
            amount = draw(cents_)
            invoices = [e.invoice_id for e in entries if e.kind == "invoice"]
            sources = [e.source_id for e in entries if e.kind in ("payment", "credit_note")]
            # each kind moves balance, an invoice and a credit source its own way
            if kind == "invoice":
                due = on + timedelta(days=draw(st.sampled_from((0, 14, 30))))
                doc, balance = f"i{seq}", amount
                moves = {"invoice_id": doc, "invoice_delta": amount, "due_date": due}
            elif kind in ("payment", "credit_note"):
                doc, balance = f"s{seq}", -amount
                moves = {"source_id": doc, "source_type": kind, "source_delta": amount}
            elif invoices and sources:
                sign = -1 if kind == "allocation" else 1
                iid, doc = draw(st.sampled_from(invoices)), draw(st.sampled_from(sources))
                # never before the invoice or the credit it moves money between (the service refuses)
                on = max([on, *(e.entry_date for e in entries if e.invoice_id == iid or e.source_id == doc)])
                balance = Decimal("0.00")
                moves = {"invoice_id": iid, "invoice_delta": sign * amount}
                moves |= {"source_id": doc, "source_type": "payment", "source_delta": sign * amount}
            else:
                continue
            entries.append(ledger.Entry(on, kind, doc, doc, balance, seq=seq, **moves))
        out[f"c{c}"] = entries
    return out, DAY0 + timedelta(days=draw(st.integers(0, 260)))


@settings(max_examples=150, deadline=None)
@given(_ledgers())
def test_each_line_is_the_statement_and_the_totals_their_sum(drawn):
    by_customer, as_at = drawn
    statements = [ledger.statement(entries, as_at) for entries in by_customer.values()]
    lines = [ledger.aged_debt(entries, as_at) for entries in by_customer.values()]
    for line_, s in zip(lines, statements, strict=True):
        assert {k: line_[k] for k in (*FIGURES, "ageing")} == {k: s[k] for k in (*FIGURES, "ageing")}
    totals = ledger.debtors_totals(line_ for line_ in lines if ledger.owes_or_holds(line_))
    for key in ("balance", "total_due", "total_unallocated", "overdue"):
        assert totals[key] == sum((s[key] for s in statements), Decimal("0.00"))
    for bucket in BUCKETS:
        assert totals["ageing"][bucket] == sum((s["ageing"][bucket] for s in statements), Decimal("0.00"))
    assert sum(totals["ageing"].values()) == totals["total_due"]
    assert totals["balance"] == totals["total_due"] - totals["total_unallocated"]
