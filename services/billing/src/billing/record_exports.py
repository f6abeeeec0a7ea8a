"""A customer's invoices, jobs or quotes, and the aged debtors, as CSV, XLSX or PDF: one table,
three renderings.

The records come from `service.export_records` (the list endpoints' rows and order, all of them),
one dict per document, or from the aged debtors report (`debtor_records`: a line per customer and
the totals). Columns are in the users' words. Money is `Decimal` with two places all the
way: "12.50" in CSV and PDF, an exact number formatted 0.00 in XLSX, never a float. Text that a
spreadsheet would run as a formula is prefixed with an apostrophe (OWASP: CSV injection).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from fieldbook_shared.pdf import TABLE_STYLE, a4_document, esc

FORMATS = ("csv", "xlsx", "pdf")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
TITLES = {"invoices": "Invoices", "jobs": "Jobs", "quotes": "Quotes", "aged_debtors": "Aged debtors"}
# (record key, header, relative width in the PDF)
COLUMNS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "invoices": (
        ("number", "Invoice no.", 7),
        ("invoice_date", "Date", 9),
        ("due_date", "Due date", 9),
        ("description", "Description", 24),
        ("status", "Status", 8),
        ("net", "Net", 9),
        ("vat", "VAT", 8),
        ("total", "Total", 9),
        ("paid", "Paid", 9),
        ("credited", "Credited", 9),
        ("outstanding", "Outstanding", 10),
    ),
    "jobs": (
        ("number", "Job no.", 6),
        ("description", "Description", 26),
        ("status", "Status", 9),
        ("scheduled_date", "Scheduled date", 10),
        ("engineer", "Engineer", 12),
        ("category", "Category", 11),
        ("work_address", "Work address", 26),
    ),
    "quotes": (
        ("number", "Quote no.", 7),
        ("date", "Date", 9),
        ("description", "Description", 40),
        ("status", "Status", 9),
        ("net", "Net", 10),
        ("vat", "VAT", 10),
        ("total", "Total", 10),
    ),
    "aged_debtors": (  # widths: each header fits on one line of the landscape page
        ("customer_id", "Customer ID", 96),
        ("name", "Customer", 92),
        ("accounts_ref", "Accounts ref", 62),
        ("balance", "Balance", 52),
        ("current", "Current", 50),
        ("1_30", "1-30 days", 52),
        ("31_60", "31-60 days", 54),
        ("61_90", "61-90 days", 54),
        ("over_90", "Over 90 days", 63),
        ("total_due", "Total due", 52),
        ("total_unallocated", "Unallocated", 58),
        ("overdue", "Overdue", 50),
        ("debt_age_days", "Debt age", 48),
    ),
}
MONEY = ("net", "vat", "total", "paid", "credited", "outstanding")
MONEY += (
    "balance",
    "current",
    "1_30",
    "31_60",
    "61_90",
    "over_90",
    "total_due",
    "total_unallocated",
    "overdue",
)
# kinds whose last record is a totals row (bold in the PDF)
TOTALLED = ("aged_debtors",)
CENT = Decimal("0.01")
_FORMULA_START = re.compile(r"^[=@\t\r]|^[+\-](?![\d\s().]*$)")


def filename(kind: str, customer_id: str, fmt: str) -> str:
    return f"{kind}-{customer_id}.{fmt}"


def debtor_records(report: dict) -> list[dict]:
    """The aged debtors report as flat records: a line per customer (ageing buckets as columns),
    then the totals, named "Total"."""
    totals = {"customer_id": "", "name": "Total", "accounts_ref": "", **report["totals"]}
    return [{**line, **line["ageing"]} for line in [*report["customers"], totals]]


def safe_text(value: str) -> str:
    """'=SUM(A1)' → "'=SUM(A1)"; '+44 113 496 0000' stays as it is."""
    return "'" + value if _FORMULA_START.match(value) else value


def _text(key: str, value: object) -> str:
    """A cell as text, as CSV and PDF show it."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    if isinstance(value, date):
        return value.isoformat()
    if key == "status":
        return str(value).replace("_", " ").capitalize()
    return str(value)


def header(kind: str) -> list[str]:
    return [title for _, title, _ in COLUMNS[kind]]


def text_rows(kind: str, records: list[dict]) -> list[list[str]]:
    return [[_text(key, r.get(key)) for key, _, _ in COLUMNS[kind]] for r in records]


def to_csv(kind: str, records: list[dict]) -> bytes:
    """UTF-8 with a BOM (spreadsheets then read accents right), CRLF line ends."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(kind))
    for row in text_rows(kind, records):
        writer.writerow([safe_text(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def to_xlsx(kind: str, records: list[dict]) -> bytes:
    """openpyxl's write-only workbook: amounts and dates as typed, formatted cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(TITLES[kind])
    bold = Font(bold=True)
    cells = []
    for title in header(kind):
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for record in records:
        row = []
        for key, _, _ in COLUMNS[kind]:
            value = record.get(key)
            if isinstance(value, Decimal):
                cell = WriteOnlyCell(sheet, value=value.quantize(CENT))
                cell.number_format = "#,##0.00"
            elif isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=safe_text(_text(key, value)))
            else:
                cell = WriteOnlyCell(sheet, value=value)
            row.append(cell)
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_pdf(kind: str, records: list[dict], subject: str, business_name: str = "Fieldbook") -> bytes:
    """A landscape A4 table titled "Invoices — <customer>" (or "Aged debtors — as at <date>"), its
    header repeated on every page."""
    styles = getSampleStyleSheet()
    cell_style = styles["BodyText"].clone("cell", fontSize=8, leading=9.5)
    title = f"{TITLES[kind]} — {subject}"
    buffer = io.BytesIO()
    doc = a4_document(buffer, title, business_name, margin=12, pagesize=landscape(A4))
    columns = COLUMNS[kind]
    scale = doc.width / sum(width for _, _, width in columns)
    money = [i for i, (key, _, _) in enumerate(columns) if key in MONEY]
    rows: list[list] = [header(kind)]
    for row in text_rows(kind, records):
        rows.append(
            [Paragraph(esc(cell), cell_style) if i not in money else cell for i, cell in enumerate(row)]
        )
    table = Table(rows, colWidths=[width * scale for _, _, width in columns], repeatRows=1)
    # the statement's look (bold header, rule, banded rows); amounts, wherever they are, to the right
    style = [c for c in TABLE_STYLE.getCommands() if c[0] != "ALIGN"]
    style.append(("VALIGN", (0, 0), (-1, -1), "TOP"))
    style += [("ALIGN", (i, 0), (i, -1), "RIGHT") for i in money]
    if kind in TOTALLED:
        style += [
            ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
            ("LINEABOVE", (0, -1), (-1, -1), 0.5, "black"),
        ]
    table.setStyle(TableStyle(style))
    story = [
        Paragraph(esc(title), styles["Title"]),
        Paragraph(esc(business_name), styles["Normal"]),
        Spacer(1, 4 * mm),
        table if records else Paragraph(f"No {TITLES[kind].lower()}.", styles["Normal"]),
    ]
    doc.build(story)
    return buffer.getvalue()


def render(kind: str, fmt: str, records: list[dict], subject: str, business_name: str = "Fieldbook") -> bytes:
    if fmt == "xlsx":
        return to_xlsx(kind, records)
    if fmt == "pdf":
        return to_pdf(kind, records, subject, business_name)
    return to_csv(kind, records)
