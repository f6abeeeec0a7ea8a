"""A customer's invoices and quotes, and the customer list, as CSV, XLSX and PDF, through the gateway."""

import csv
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from harness.api import assert_problem, expect
from harness.customer_record import build_record


def test_a_customers_invoices_and_quotes_export_as_csv_xlsx_and_pdf(tenant):
    client = tenant.admin
    record = build_record(client, "Exporter", invoice=True, quote=True)
    cid, invoice = record.id, record.invoice

    r = expect(client.get(f"/v1/customers/{cid}/invoices/export", params={"format": "csv"}), 200)
    assert r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    assert rows[0]["Invoice no."] == str(invoice["number"])
    assert rows[0]["Total"] == invoice["total"] and rows[0]["Outstanding"] == invoice["total"]

    r = expect(client.get(f"/v1/customers/{cid}/invoices/export", params={"format": "xlsx"}), 200)
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Invoice no." and len(values) == 2

    r = expect(client.get(f"/v1/customers/{cid}/invoices/export", params={"format": "pdf"}), 200)
    assert r.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert str(invoice["number"]) in text and invoice["total"] in text

    r = expect(client.get(f"/v1/customers/{cid}/quotes/export"), 200)  # csv by default
    [quote] = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert quote["Total"] == record.quote["total"]

    assert_problem(client.get(f"/v1/customers/{cid}/jobs/export", params={"format": "docx"}), 422)


def test_customer_list_exports_as_csv_and_xlsx_through_the_gateway(tenant):
    client = tenant.admin
    for i in range(3):
        expect(
            client.post(
                "/v1/customers",
                json={
                    "type": "private",
                    "surname": f"Export{i}",
                    "address": {"line_1": f"{i} St", "postcode": "LS1 4AB"},
                },
            ),
            201,
        )
    r = expect(
        client.get("/v1/exports/customers", params={"columns": "surname,postcode", "sort": "name"}), 200
    )
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows == [
        ["surname", "postcode"],
        ["Export0", "LS1 4AB"],
        ["Export1", "LS1 4AB"],
        ["Export2", "LS1 4AB"],
    ]
    x = expect(client.get("/v1/exports/customers", params={"format": "xlsx"}), 200)
    assert x.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert x.content[:2] == b"PK"
    sales = tenant.client("sales")
    assert sales.get("/v1/exports/customers").status_code == 403
