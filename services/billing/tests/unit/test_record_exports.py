"""A customer's invoices, jobs and quotes as CSV, XLSX and PDF: the list's rows and order, all of them."""

from __future__ import annotations

import csv
import io
import re
import uuid
from decimal import Decimal

import pypdf
from openpyxl import load_workbook

from ..conftest import line, publish, work_address_data

INVOICE_HEADER = [
    "Invoice no.",
    "Date",
    "Due date",
    "Description",
    "Status",
    "Net",
    "VAT",
    "Total",
    "Paid",
    "Credited",
    "Outstanding",
]


def _csv(response) -> list[list[str]]:
    assert response.data.startswith("\ufeff".encode())  # the BOM: spreadsheets read accents right
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _two_invoices(api, customer) -> tuple[dict, dict]:
    """INV 1 (120.00, 80.00 paid) in January, INV 2 (60.00, 10.00 credited) in March."""
    first = api.post(
        f"/v1/customers/{customer}/invoices",
        {"lines": [line()], "invoice_date": "2026-01-01", "description": "Boiler service"},
    ).get_json()
    second = api.post(
        f"/v1/customers/{customer}/invoices",
        {"lines": [line(unit_price="50.00")], "invoice_date": "2026-03-01", "description": "=HYPERLINK(1)"},
    ).get_json()
    paid = api.post(
        "/v1/payments",
        {
            "customer_id": customer,
            "method": "cash",
            "amount": "80.00",
            "received_on": "2026-02-01",
            "allocations": [{"invoice_id": first["id"], "amount": "80.00"}],
        },
    )
    assert paid.status_code == 201, paid.get_json()
    credited = api.post(
        "/v1/credit-notes",
        {
            "invoice_id": second["id"],
            "description": "Goodwill",
            "lines": [line(unit_price="10.00", vat_rate="0")],
        },
    )
    assert credited.status_code == 201, credited.get_json()
    return first, second


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _exported(api, customer, kind, fmt, content_type=None, asked=True):
    """GET the customer's `kind` export in `fmt` (asked for, or the default): a 200 attachment named
    after the kind and customer, of `content_type` where given."""
    query = {"format": fmt} if asked else None
    r = api.get(f"/v1/customers/{customer}/{kind}/export", query_string=query)
    assert r.status_code == 200
    if content_type:
        assert r.headers["Content-Type"] == content_type
    assert r.headers["Content-Disposition"] == f'attachment; filename="{kind}-{customer}.{fmt}"'
    return r


def test_invoices_csv_has_every_invoice_latest_first_with_exact_figures(api, customer):
    first, second = _two_invoices(api, customer)
    r = _exported(api, customer, "invoices", "csv", "text/csv; charset=utf-8", asked=False)  # csv by default
    n1, n2 = str(first["number"]), str(second["number"])
    assert _csv(r) == [
        INVOICE_HEADER,
        # a description a spreadsheet would run as a formula is written as text
        [n2, "2026-03-01", "2026-03-31", "'=HYPERLINK(1)", "Part paid", "50.00", "10.00", "60.00"]
        + ["0.00", "10.00", "50.00"],
        [n1, "2026-01-01", "2026-01-31", "Boiler service", "Part paid", "100.00", "20.00", "120.00"]
        + ["80.00", "0.00", "40.00"],
    ]
    listed = api.get(f"/v1/customers/{customer}/invoices").get_json()
    assert [str(i["number"]) for i in listed] == [n2, n1]
    assert [i["outstanding"] for i in listed] == ["50.00", "40.00"]


def test_invoices_xlsx_has_the_header_and_a_row_per_invoice(api, customer):
    first, second = _two_invoices(api, customer)
    r = _exported(api, customer, "invoices", "xlsx", XLSX)
    sheet = load_workbook(io.BytesIO(r.data))["Invoices"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == INVOICE_HEADER
    assert [row[0] for row in rows[1:]] == [second["number"], first["number"]]
    money = [[Decimal(str(v)).quantize(Decimal("0.01")) for v in row[5:]] for row in rows[1:]]
    assert money == [
        [Decimal(x) for x in ("50.00", "10.00", "60.00", "0.00", "10.00", "50.00")],
        [Decimal(x) for x in ("100.00", "20.00", "120.00", "80.00", "0.00", "40.00")],
    ]
    total_cell = next(sheet.iter_rows(min_row=2, max_row=2))[7]
    assert total_cell.number_format == "#,##0.00"
    assert rows[2][1].date().isoformat() == "2026-01-01"


def test_invoices_pdf_is_a_table_titled_with_the_customer(api, customer):
    first, _ = _two_invoices(api, customer)
    r = _exported(api, customer, "invoices", "pdf", "application/pdf")
    assert r.data.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.data)).pages)
    assert "Invoices — Mr John Smith" in text
    assert "Outstanding" in text
    row = r"\s+".join([str(first["number"]), "2026-01-01", "2026-01-31", "Boiler service", "Part paid"])
    row += r"\s+" + r"\s+".join(re.escape(x) for x in ("100.00", "20.00", "120.00", "80.00", "0.00", "40.00"))
    assert re.search(rf"(?m)^{row}$", text), text


def test_unknown_format_is_422_naming_format(api, customer):
    r = api.get(f"/v1/customers/{customer}/invoices/export", query_string={"format": "bogus"})
    assert r.status_code == 422
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert "format" in r.get_json()["errors"]


def test_unknown_customer_is_404_for_every_export(api):
    missing = str(uuid.uuid4())
    for kind in ("invoices", "jobs", "quotes"):
        r = api.get(f"/v1/customers/{missing}/{kind}/export")
        assert r.status_code == 404, kind
        assert r.headers["Content-Type"].startswith("application/problem+json")


def test_jobs_csv_in_the_users_words_with_the_work_address(api, bus, customer):
    wid = str(uuid.uuid4())
    address = {"line_1": "2 Park Row", "town": "Leeds", "postcode": "LS1 5AB"}
    publish(bus, "work_address.created", work_address_data(wid, customer, address=address))
    bus.drain()
    first = api.post(
        f"/v1/customers/{customer}/jobs",
        {
            "description": "Annual boiler service",
            "scheduled_start": "2026-05-04T09:00:00Z",
            "engineer": "Sam Jones",
            "category": "Servicing",
            "work_address_id": wid,
        },
    ).get_json()
    second = api.post(f"/v1/customers/{customer}/jobs", {"description": "Leak"}).get_json()
    api.patch(f"/v1/jobs/{second['id']}", {"status": "free_of_charge"})
    r = _exported(api, customer, "jobs", "csv")
    assert _csv(r) == [
        ["Job no.", "Description", "Status", "Scheduled date", "Engineer", "Category", "Work address"],
        [str(second["number"]), "Leak", "Free of charge", "", "", "", ""],
        [
            str(first["number"]),
            "Annual boiler service",
            "Open",
            "2026-05-04",
            "Sam Jones",
            "Servicing",
            "Flat 2, 2 Park Row, Leeds, LS1 5AB",
        ],
    ]


def test_quotes_csv_has_all_of_them_not_one_page(api, customer):
    made = [
        api.post(
            f"/v1/customers/{customer}/quotes",
            {"lines": [line(unit_price=f"{n}.00")], "description": f"Quote {n}"},
        ).get_json()
        for n in range(1, 27)  # one more than the list's page
    ]
    api.post(f"/v1/quotes/{made[-1]['id']}/status", {"status": "sent"})
    r = _exported(api, customer, "quotes", "csv", asked=False)
    rows = _csv(r)
    assert rows[0] == ["Quote no.", "Date", "Description", "Status", "Net", "VAT", "Total"]
    listed = api.get(f"/v1/customers/{customer}/quotes", query_string={"page_size": 100}).get_json()
    assert [row[0] for row in rows[1:]] == [str(q["number"]) for q in listed]
    assert len(rows) == 1 + 26
    by_number = {row[0]: row for row in rows[1:]}
    last = made[-1]
    assert by_number[str(last["number"])] == [
        str(last["number"]),
        last["created_at"][:10],
        "Quote 26",
        "Sent",
        "26.00",
        "5.20",
        "31.20",
    ]
