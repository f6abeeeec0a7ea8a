"""The page layout every printed thing of Fieldbook shares, drawn with reportlab: an A4 page, the
tenant's letterhead (logo on the left; name, address, contact and numbers on the right, from the
tenant's document settings), the tables' style (`table`: a `TextTable`, long tables drawn fast),
a footer with "Page n of m", and a letter (one addressee, a date, a heading and the body).
billing's statements, documents and exports and comms' letters use it, so paper looks the same
whichever service prints it.

reportlab is not a dependency of the kit (most services print nothing): a service that imports this
module lists `reportlab` in its own pyproject (the kit's `pdf` extra names the version range).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import (
    Flowable,
    Image,
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

# Page streams compressed but not ASCII85-armoured (reportlab's default armour is for 7-bit
# transports; ours go over HTTP and as mail attachments, base64 there anyway): a quarter smaller,
# and no pure-Python encoding pass over every page.
rl_config.useA85 = 0

# the tables of every PDF (statements, documents, the exports)
TABLE_STYLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("ALIGN", (-3, 0), (-1, -1), "RIGHT"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
    ]
)
TOP = TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])


def esc(text) -> str:
    """Text as reportlab's Paragraph markup shows it."""
    return str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def lines_of(*values) -> str:
    """The values given, one a line, as Paragraph markup (empty ones left out)."""
    return "<br/>".join(esc(v) for v in values if v)


def a4_document(buffer, title: str, author: str, margin: int = 15, bottom: int | None = None, pagesize=A4):
    """A page of `pagesize` (A4) with `margin` mm all round, or `bottom` mm at the foot."""
    return SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=margin * mm,
        rightMargin=margin * mm,
        topMargin=margin * mm,
        bottomMargin=(bottom or margin) * mm,
        title=title,
        author=author,
    )


class TextTable(LongTable):
    """A LongTable (its sizing stops at a page's worth of rows) that writes the text of its plain
    cells (strings, numbers) through one text object per page, where reportlab's Table makes a text
    object per cell: that was most of a 2,000-row statement's time. Same operators, positions and
    colours as Table (each cell still its own BT…ET with Tj and T*, so text extraction reads it as
    before); sizing, splitting, header rows, backgrounds and lines are reportlab's own. A table
    with spans or a cell holding flowables, links or bidi text is drawn by Table itself."""

    def _plain(self) -> bool:
        if self._spanCmds or self._renderCB:
            return False
        for row, row_styles in zip(self._cellvalues, self._cellStyles, strict=False):
            for value, style in zip(row, row_styles, strict=False):
                if isinstance(value, (tuple, list, Flowable)) or style.href or style.destination:
                    return False
                if style.direction or style.shaping or style.alignment not in _ALIGNED:
                    return False
        return True

    def draw(self):
        if not self._plain():
            return super().draw()
        canv = self.canv
        canv.saveState()
        self._curweight = self._curcolor = self._curcellstyle = None
        self._makeShadow()
        self._makeRoundedCornersClip()
        self._drawBkgrnd()
        text = canv.beginText()
        current = None
        rows = zip(self._cellvalues, self._cellStyles, self._rowpositions[1:], self._rowHeights, strict=False)
        for row, row_styles, rowpos, rowheight in rows:
            cells = zip(row, row_styles, self._colpositions[:-1], self._colWidths, strict=False)
            for value, style, colpos, colwidth in cells:
                if current is not None:
                    # each cell its own BT…ET, as Table draws it (the text state carries over)
                    text._code.append("ET BT")
                if style is not current:
                    _set_style(text, style, current)
                    current = style
                self._draw_text(text, str(value), style, colpos, colwidth, rowpos, rowheight)
        canv.drawText(text)
        self._drawLines()
        canv.restoreState()
        if self._roundingRectDef:
            self._restoreRoundingObscuredLines()

    @staticmethod
    def _draw_text(text, value: str, style, colpos, colwidth, rowpos, rowheight) -> None:
        """One cell's lines where Table._drawCell puts them (its alignment and valign arithmetic)."""
        lines = value.split("\n")
        leading, size = style.leading, style.fontsize
        if style.valign == "TOP":
            y = rowpos + rowheight - style.topPadding - size
        elif style.valign == "MIDDLE":
            y = (
                rowpos
                + (style.bottomPadding + rowheight - style.topPadding + len(lines) * leading) / 2
                - size
            )
        else:  # BOTTOM, Table's default
            y = rowpos + style.bottomPadding + len(lines) * leading - size
        for line in lines:
            if line:
                if style.alignment == "LEFT":
                    x = colpos + style.leftPadding
                else:
                    width = stringWidth(line, style.fontname, size)
                    if style.alignment == "RIGHT":
                        x = colpos + colwidth - style.rightPadding - width
                    else:
                        x = colpos + (colwidth + style.leftPadding - style.rightPadding) * 0.5 - width * 0.5
                text.setTextOrigin(x, y)
                # Tj and T* as Table's textLine writes them (pypdf ends a line at T*), without
                # textOut's cursor advance (a stringWidth): the next Tm places the next piece
                text._textOut(line, TStar=1)
            y -= leading


_ALIGNED = ("LEFT", "RIGHT", "CENTRE", "CENTER")


def _set_style(text, style, current) -> None:
    """The cell's colour and font on the text object, where they differ from the last cell's."""
    if current is None or style.color != current.color:
        text.setFillColor(style.color)
    font = (style.fontname, style.fontsize, style.leading)
    if current is None or font != (current.fontname, current.fontsize, current.leading):
        text.setFont(*font)


def table(rows: list[list], widths: list[float]) -> Table:
    """A table in the common style (widths in mm); it splits over pages, repeating its header row."""
    t = TextTable(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    t.setStyle(TABLE_STYLE)
    return t


def styles() -> tuple:
    """reportlab's sample styles and the small text of letterheads and notes."""
    sheet = getSampleStyleSheet()
    return sheet, sheet["Normal"].clone("small", fontSize=8, leading=10)


class NumberedCanvas(pdf_canvas.Canvas):
    """Draws the footer and "Page n of m" on every page once the number of pages is known."""

    footer = ""
    numbered = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        for page in self._pages:
            self.__dict__.update(page)
            self._draw_footer(len(self._pages))
            super().showPage()
        super().save()

    def _draw_footer(self, pages: int) -> None:
        self.setFont("Helvetica", 7)
        width = A4[0]
        if self.footer:
            self.drawCentredString(width / 2, 10 * mm, self.footer[:180])
        if self.numbered:
            self.drawRightString(width - 15 * mm, 6 * mm, f"Page {self._pageNumber} of {pages}")


def numbered_canvas(footer: str, numbered: bool = True) -> type[NumberedCanvas]:
    """The canvas class to build with: `footer` on every page, and "Page n of m" when `numbered`
    (not on a batch of letters, where n of m would count the other letters' pages)."""
    return type("FooterCanvas", (NumberedCanvas,), {"footer": footer, "numbered": numbered})


def footer_of(settings: dict) -> str:
    """The settings' footer, its lines joined on one line."""
    return " · ".join(part.strip() for part in (settings.get("footer") or "").splitlines() if part.strip())


def logo(data: bytes | None) -> Image | str:
    """The logo scaled into 60 × 25 mm ("" when there is none)."""
    if not data:
        return ""
    reader = ImageReader(io.BytesIO(data))
    width, height = reader.getSize()
    scale = min(60 * mm / width, 25 * mm / height)
    return Image(io.BytesIO(data), width=width * scale, height=height * scale)


def business_header(settings: dict, logo_bytes: bytes | None) -> Table:
    """The letterhead: logo on the left; name, address, contact and numbers on the right.
    `settings` are the tenant's document settings as billing dumps them."""
    _, small = styles()
    numbers = []
    if settings.get("vat_number"):
        numbers.append(f"VAT number: {settings['vat_number']}")
    if settings.get("company_number"):
        numbers.append(f"Company number: {settings['company_number']}")
    block = Paragraph(
        f"<b>{esc(settings.get('business_name'))}</b><br/>"
        + lines_of(*settings.get("address_lines") or [], settings.get("phone"), settings.get("email"))
        + ("<br/>" if numbers else "")
        + lines_of(settings.get("website"), *numbers),
        small,
    )
    header = Table([[logo(logo_bytes), block]], colWidths=[90 * mm, 90 * mm])
    header.setStyle(TOP)
    return header


# --- letters -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letter:
    """One letter: whom to (name and postal address, as printed in a window envelope), its date,
    its heading and its body (plain text; a blank line starts a new paragraph)."""

    to_lines: Sequence[str]
    date: str
    heading: str
    body: str
    reference: str | None = None


def _letter_story(letter: Letter, settings: dict, logo_bytes: bytes | None) -> list:
    sheet, small = styles()
    story: list = [business_header(settings, logo_bytes), Spacer(1, 12 * mm)]
    facts = [letter.date] + ([f"Ref: {letter.reference}"] if letter.reference else [])
    addressed = Table(
        [[Paragraph(lines_of(*letter.to_lines), sheet["Normal"]), Paragraph(lines_of(*facts), small)]],
        colWidths=[120 * mm, 60 * mm],
    )
    addressed.setStyle(TOP)
    story += [addressed, Spacer(1, 12 * mm), Paragraph(esc(letter.heading), sheet["Heading3"])]
    for paragraph in letter.body.replace("\r\n", "\n").split("\n\n"):
        if paragraph.strip():
            story.append(Paragraph(esc(paragraph.strip()).replace("\n", "<br/>"), sheet["Normal"]))
            story.append(Spacer(1, 3 * mm))
    return story


def render_letters(letters: Iterable[Letter], settings: dict, logo_bytes: bytes | None = None) -> bytes:
    """Letters on the tenant's letterhead, each starting on a new page (one PDF to print them all)."""
    buffer = io.BytesIO()
    story: list = []
    for letter in letters:
        if story:
            story.append(PageBreak())
        story += _letter_story(letter, settings, logo_bytes)
    doc = a4_document(buffer, "Letters", settings.get("business_name") or "", margin=20, bottom=18)
    doc.build(story or [Spacer(1, 1)], canvasmaker=numbered_canvas(footer_of(settings), numbered=False))
    return buffer.getvalue()
