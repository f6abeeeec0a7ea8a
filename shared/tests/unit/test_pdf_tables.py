"""The kit's TextTable draws what reportlab's Table draws, where Table draws it, only faster."""

from __future__ import annotations

import io

import pypdf
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table

from fieldbook_shared.pdf import TABLE_STYLE, TextTable, a4_document, styles, table


def _pdf(flowable) -> bytes:
    buffer = io.BytesIO()
    a4_document(buffer, "t", "a").build([flowable])
    return buffer.getvalue()


def _placed(pdf: bytes) -> list[list[tuple]]:
    """Per page, every string shown (Tj) and where (the Tm before it), from the content streams."""
    pages = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        found: list[tuple] = []
        at = None
        for operands, operator in pypdf.generic.ContentStream(page.get_contents(), None).operations:
            if operator == b"Tm":
                at = (round(float(operands[4]), 2), round(float(operands[5]), 2))
            elif operator == b"Tj" and operands[0]:
                found.append((at, operands[0]))
        pages.append(found)
    return pages


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _rows(n: int) -> list[list]:
    rows: list[list] = [["Date", "Item", "Reference", "Debit", "Credit", "Balance"]]
    for i in range(n):
        rows.append(["2026-01-01", "Invoice – café", f"INV {i}", f"{i}.00", "", i])
    rows.append(["", "Closing\nbalance", "", "", "", "1.00"])
    return rows


def test_a_long_table_is_drawn_as_reportlabs_table_draws_it():
    widths = [22, 40, 40, 25, 25, 28]
    plain = Table(_rows(150), colWidths=[w * mm for w in widths], repeatRows=1)
    plain.setStyle(TABLE_STYLE)
    fast = table(_rows(150), widths)
    assert isinstance(fast, TextTable)
    expected, got = _pdf(plain), _pdf(fast)
    assert len(_placed(got)) >= 3 and _placed(got) == _placed(expected)
    assert _text(got) == _text(expected)  # each cell on its line, as services' tests read them
    assert _placed(got)[1][0][1] == "Date"  # the header row again on the next page


def test_a_cell_holding_a_paragraph_is_left_to_table():
    _, small = styles()
    rows = [["Description", "Total"], [Paragraph("<b>Boiler</b> service", small), "90.00"]]
    text = " ".join(str(t) for page in _placed(_pdf(table(rows, [60, 30]))) for _, t in page)
    assert "Boiler" in text and "90.00" in text
