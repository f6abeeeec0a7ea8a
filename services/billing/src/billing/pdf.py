"""The statement of account, invoices, quotes and credit notes as PDFs, drawn with reportlab
from their JSON.

Each takes the very dict the JSON response carries (amounts already strings), so screen and paper
cannot differ by a penny. Tables repeat their header row and split over as many pages as needed.
The page, the letterhead, the tables' style and the numbered footer are the kit's
(`fieldbook_shared.pdf`), shared with comms' letters.
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from fieldbook_shared.pdf import (
    TOP,
    a4_document,
    business_header,
    esc,
    footer_of,
    lines_of,
    numbered_canvas,
    styles,
    table,
)

BUCKET_LABELS = {
    "current": "Current",
    "1_30": "1–30 days",
    "31_60": "31–60 days",
    "61_90": "61–90 days",
    "over_90": "Over 90 days",
}


def render_statement(data: dict, business_name: str = "Fieldbook") -> bytes:
    sheet, _ = styles()
    buffer = io.BytesIO()
    customer = data.get("customer") or {}
    title = f"Statement of account {customer.get('name', '')} as at {data['as_at']}"
    doc = a4_document(buffer, title, business_name)
    story = [
        Paragraph(esc(business_name), sheet["Title"]),
        Paragraph(f"Statement of account as at {data['as_at']}", sheet["Heading2"]),
        Paragraph(
            "<br/>".join(esc(x) for x in [customer.get("name"), *customer.get("address", [])]),
            sheet["Normal"],
        ),
        Spacer(1, 6 * mm),
        Paragraph(
            f"Period from {data['period_from']} — opening balance {data['opening_balance']}", sheet["Normal"]
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
    story += [table(rows, [22, 40, 40, 25, 25, 28]), Spacer(1, 6 * mm)]

    story.append(Paragraph("Unpaid invoices", sheet["Heading3"]))
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
    story += [table(rows, [35, 25, 25, 25, 35, 35]), Spacer(1, 4 * mm)]

    if data["unallocated_credits"]:
        story.append(Paragraph("Unallocated credits", sheet["Heading3"]))
        rows = [["Type", "Reference", "Date", "Amount", "Unallocated"]]
        for c in data["unallocated_credits"]:
            rows.append(
                [c["type"].replace("_", " "), c["reference"], c["date"], c["amount"], c["unallocated"]]
            )
        story += [table(rows, [35, 45, 30, 35, 35]), Spacer(1, 4 * mm)]

    story.append(Paragraph("Ageing", sheet["Heading3"]))
    ageing = data["ageing"]
    story += [
        table([list(BUCKET_LABELS.values()), [ageing[k] for k in BUCKET_LABELS]], [36] * 5),
        Spacer(1, 6 * mm),
    ]
    totals = [
        ["", "Amount"],
        ["Total of unpaid invoices", data["total_due"]],
        ["Less unallocated credits", data["total_unallocated"]],
        ["Balance due", data["balance"]],
    ]
    story.append(table(totals, [60, 40]))
    doc.build(story)
    return buffer.getvalue()


# --- invoices, quotes, credit notes ------------------------------------------------------------------

TITLES = {"invoice": "Invoice", "quote": "Quote", "credit_note": "Credit note"}
_PLAIN = TableStyle(
    [
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _addressed(kind: str, data: dict, customer: dict) -> Table:
    """Whom it is for (an invoice: its invoice address) and the work address; the document's facts."""
    sheet, small = styles()
    if kind == "invoice" and data.get("invoice_address"):
        to_lines = str(data["invoice_address"]).splitlines()
    else:
        to_lines = [customer.get("name"), *customer.get("address", [])]
    facts = [[f"{TITLES[kind]} number", str(data.get("number", ""))]]
    if kind == "invoice":
        facts += [["Invoice date", data.get("invoice_date", "")], ["Due date", data.get("due_date", "")]]
    elif kind == "quote":
        facts += [["Date", (data.get("created_at") or "")[:10]], ["Status", data.get("status", "")]]
    else:
        facts += [["Credit date", data.get("credit_date", "")]]
    facts_table = Table(facts, colWidths=[35 * mm, 40 * mm])
    facts_table.setStyle(_PLAIN)
    to_block = [Paragraph(lines_of(*to_lines), sheet["Normal"])]
    if customer.get("work_address"):
        to_block += [
            Spacer(1, 2 * mm),
            Paragraph("<b>Work address</b><br/>" + lines_of(*customer["work_address"]), small),
        ]
    addressed = Table([[to_block, facts_table]], colWidths=[105 * mm, 75 * mm])
    addressed.setStyle(TOP)
    return addressed


def _lines_table(data: dict) -> Table:
    """Every line; the table splits over pages and repeats its header row on each."""
    _, small = styles()
    rows = [["Description", "Qty", "Unit price", "VAT %", "Net", "VAT", "Total"]]
    for line in data.get("lines", []):
        rows.append(
            [
                Paragraph(esc(line["description"]), small),
                line["quantity"],
                line["unit_price"],
                line["vat_rate"],
                line["net"],
                line["vat"],
                line["total"],
            ]
        )
    lines = Table(rows, colWidths=[w * mm for w in (72, 16, 22, 14, 20, 16, 20)], repeatRows=1)
    lines.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
            ]
        )
    )
    return lines


def _summary(kind: str, data: dict) -> KeepTogether:
    """The VAT breakdown by rate beside the totals, kept together (so on the last page)."""
    breakdown = [["VAT rate", "Net", "VAT", "Total"]]
    for rate in data.get("vat_breakdown", []):
        breakdown.append([f"{rate['rate']}%", rate["net"], rate["vat"], rate["total"]])
    totals = [["Net", data["net"]], ["VAT", data["vat"]], ["Total", data["total"]]]
    if kind == "invoice":
        if data.get("retention_amount") not in (None, "0.00"):
            totals.append([f"Retention ({data.get('retention_pct')}%)", data["retention_amount"]])
        totals.append(["Outstanding", data.get("outstanding", "")])
    elif kind == "credit_note":
        totals.append(["Unallocated", data.get("unallocated", "")])
    totals_table = Table(totals, colWidths=[35 * mm, 25 * mm])
    totals_table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("FONTNAME", (0, 2), (-1, 2), "Helvetica-Bold"),
                ("LINEABOVE", (0, 2), (-1, 2), 0.5, colors.black),
            ]
        )
    )
    summary = Table([[table(breakdown, [20, 25, 25, 25]), totals_table]], colWidths=[110 * mm, 70 * mm])
    summary.setStyle(TOP)
    return KeepTogether([summary])


def _closing(kind: str, data: dict, settings: dict) -> list:
    """After the totals: what to pay by when, the bank details (not on a credit note), notes, terms."""
    sheet, small = styles()
    story: list = []
    if kind == "invoice" and data.get("due_date"):
        story += [
            Spacer(1, 4 * mm),
            Paragraph(
                f"Please pay {esc(data.get('outstanding'))} by {esc(data['due_date'])}.", sheet["Normal"]
            ),
        ]
    bank = [
        ("Bank", settings.get("bank_name")),
        ("Account name", settings.get("bank_account_name")),
        ("Sort code", settings.get("bank_sort_code")),
        ("Account number", settings.get("bank_account_number")),
        ("IBAN", settings.get("iban")),
        ("BIC", settings.get("bic")),
    ]
    bank = [(label, value) for label, value in bank if value]
    if bank and kind != "credit_note":
        story += [
            Spacer(1, 4 * mm),
            Paragraph("Bank details", sheet["Heading4"]),
            Paragraph("<br/>".join(f"{label}: {esc(value)}" for label, value in bank), small),
        ]
    if data.get("notes"):
        story += [Spacer(1, 4 * mm), Paragraph(esc(data["notes"]).replace("\n", "<br/>"), small)]
    if settings.get("terms"):
        story += [
            Spacer(1, 4 * mm),
            Paragraph("Terms", sheet["Heading4"]),
            Paragraph(esc(settings["terms"]).replace("\n", "<br/>"), small),
        ]
    return story


def render_document(
    kind: str, data: dict, settings: dict, customer: dict, logo: bytes | None = None
) -> bytes:
    """An invoice, quote or credit note (`kind`) as a PDF.

    `data` is the document's JSON (as dumped: lines, `vat_breakdown`, totals, and for an invoice
    its due date and outstanding amount); `settings` the tenant's document settings as dumped;
    `customer` {name, address, work_address} as billing holds them.
    """
    sheet, _ = styles()
    reference = f"{TITLES[kind]} {data.get('number', '')}".strip()
    buffer = io.BytesIO()
    doc = a4_document(buffer, reference, settings.get("business_name") or "", bottom=18)
    story = [
        business_header(settings, logo),
        Spacer(1, 6 * mm),
        Paragraph(esc(reference), sheet["Title"]),
        _addressed(kind, data, customer),
    ]
    if data.get("description"):
        story += [Spacer(1, 3 * mm), Paragraph(esc(data["description"]), sheet["Normal"])]
    story += [Spacer(1, 5 * mm), _lines_table(data), Spacer(1, 5 * mm), _summary(kind, data)]
    story += _closing(kind, data, settings)

    doc.build(story, canvasmaker=numbered_canvas(footer_of(settings)))
    return buffer.getvalue()
