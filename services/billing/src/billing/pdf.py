"""The statement of account as a PDF, drawn with reportlab from the statement's JSON.

It takes the very dict the JSON response carries (amounts already strings), so screen and paper
cannot differ by a penny. Tables repeat their header row and split over as many pages as needed.
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

BUCKET_LABELS = {
    "current": "Current",
    "1_30": "1–30 days",
    "31_60": "31–60 days",
    "61_90": "61–90 days",
    "over_90": "Over 90 days",
}
_TABLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("ALIGN", (-3, 0), (-1, -1), "RIGHT"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
    ]
)


def _esc(text) -> str:
    return str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(rows: list[list], widths: list[float]) -> Table:
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(_TABLE)
    return table


def render_statement(data: dict, business_name: str = "Fieldbook") -> bytes:
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    customer = data.get("customer") or {}
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Statement of account {customer.get('name', '')} as at {data['as_at']}",
        author=business_name,
    )
    story = [
        Paragraph(_esc(business_name), styles["Title"]),
        Paragraph(f"Statement of account as at {data['as_at']}", styles["Heading2"]),
        Paragraph(
            "<br/>".join(_esc(x) for x in [customer.get("name"), *customer.get("address", [])]),
            styles["Normal"],
        ),
        Spacer(1, 6 * mm),
        Paragraph(
            f"Period from {data['period_from']} — opening balance {data['opening_balance']}", styles["Normal"]
        ),
        Spacer(1, 2 * mm),
    ]
    rows = [["Date", "Item", "Reference", "Debit", "Credit", "Balance"]]
    rows.append([data["period_from"], "Opening balance", "", "", "", data["opening_balance"]])
    for item in data["items"]:
        debit = item["debit"] if item["debit"] != "0.00" else ""
        credit = item["credit"] if item["credit"] != "0.00" else ""
        rows.append([item["date"], item["description"], item["reference"], debit, credit, item["balance"]])
    rows.append(["", "Closing balance", "", "", "", data["closing_balance"]])
    story += [_table(rows, [22, 40, 40, 25, 25, 28]), Spacer(1, 6 * mm)]

    story.append(Paragraph("Unpaid invoices", styles["Heading3"]))
    rows = [["Invoice", "Date", "Due", "Days overdue", "Total", "Outstanding"]]
    for inv in data["unpaid_invoices"]:
        rows.append(
            [
                inv["reference"],
                inv["invoice_date"],
                inv["due_date"],
                inv["days_overdue"],
                inv["total"],
                inv["outstanding"],
            ]
        )
    story += [_table(rows, [35, 25, 25, 25, 35, 35]), Spacer(1, 4 * mm)]

    if data["unallocated_credits"]:
        story.append(Paragraph("Unallocated credits", styles["Heading3"]))
        rows = [["Type", "Reference", "Date", "Amount", "Unallocated"]]
        for c in data["unallocated_credits"]:
            rows.append(
                [c["type"].replace("_", " "), c["reference"], c["date"], c["amount"], c["unallocated"]]
            )
        story += [_table(rows, [35, 45, 30, 35, 35]), Spacer(1, 4 * mm)]

    story.append(Paragraph("Ageing", styles["Heading3"]))
    ageing = data["ageing"]
    story += [
        _table([list(BUCKET_LABELS.values()), [ageing[k] for k in BUCKET_LABELS]], [36] * 5),
        Spacer(1, 6 * mm),
    ]
    totals = [
        ["", "Amount"],
        ["Total of unpaid invoices", data["total_due"]],
        ["Less unallocated credits", data["total_unallocated"]],
        ["Balance due", data["balance"]],
    ]
    story.append(_table(totals, [60, 40]))
    doc.build(story)
    return buffer.getvalue()
