"""Invoices, quotes and credit notes as PDFs through the gateway, with the tenant's document settings.

The PDF is parsed back with pypdf: it shows the tenant's VAT number, each VAT rate's subtotal and
the total, equal to the document's JSON; a long invoice spans pages with the totals on the last.
The settings are admin only, changed with If-Match, and the logo is checked from its bytes.
"""

from __future__ import annotations

import io

import pypdf
from PIL import Image

from harness.api import create_customer, expect
from test_billing_rules import billing_knows, line

SETTINGS = {
    "business_name": "Brightwater Plumbing Ltd",
    "address_lines": ["12 Canal Wharf", "Leeds", "LS11 5PS"],
    "phone": "0113 496 0000",
    "vat_number": "GB 987 6543 21",
    "bank_name": "Yorkshire Bank",
    "bank_account_name": "Brightwater Plumbing Ltd",
    "bank_sort_code": "05-12-34",
    "bank_account_number": "31926819",
    "terms": "Payment due within 30 days of the invoice date.",
    "footer": "Brightwater Plumbing Ltd, registered in England no. 09876543",
}


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _shows(text: str, *cells: str) -> bool:
    """The cells one after another in the extracted text (pypdf puts each table cell on its line)."""
    lines = [x.strip() for x in text.splitlines()]
    return any(lines[i : i + len(cells)] == list(cells) for i in range(len(lines)))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 40), (20, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def _pdf(client, path: str) -> bytes:
    r = expect(client.get(path), 200)
    assert r.headers["Content-Type"].startswith("application/pdf")
    return r.content


def _set_up(tenant) -> None:
    admin = tenant.admin
    current = expect(admin.get("/v1/settings/documents"), 200)
    r = expect(
        admin.put("/v1/settings/documents", json=SETTINGS, headers={"If-Match": current.headers["ETag"]}), 200
    )
    expect(
        admin.put(
            "/v1/settings/documents/logo",
            data=_png(),
            headers={"Content-Type": "image/png", "If-Match": r.headers["ETag"]},
        ),
        200,
    )


def test_invoice_quote_and_credit_note_pdfs_agree_with_their_json(tenant):
    _set_up(tenant)
    client = tenant.client("accounts")
    cid = create_customer(tenant.admin)["id"]
    billing_knows(client, cid)
    lines = [
        line("150.00", "20", "2", description="Boiler service"),
        line("45.50", "5", category="parts", description="Thermostatic valve"),
        line("80.00", "0", category="other", description="Gas Safe certificate"),
    ]
    invoice = expect(client.post(f"/v1/customers/{cid}/invoices", json={"lines": lines}), 201).json()
    assert [(r["rate"], r["net"], r["vat"], r["total"]) for r in invoice["vat_breakdown"]] == [
        ("0.00", "80.00", "0.00", "80.00"),
        ("5.00", "45.50", "2.28", "47.78"),
        ("20.00", "300.00", "60.00", "360.00"),
    ]
    assert invoice["total"] == "487.78"
    shown = expect(client.get(f"/v1/invoices/{invoice['id']}"), 200).json()
    assert shown["vat_breakdown"] == invoice["vat_breakdown"]

    (text,) = _pages(_pdf(client, f"/v1/invoices/{invoice['id']}.pdf"))
    assert "VAT number: GB 987 6543 21" in text and "Brightwater Plumbing Ltd" in text
    for rate in shown["vat_breakdown"]:
        assert _shows(text, f"{rate['rate']}%", rate["net"], rate["vat"], rate["total"]), text
    assert _shows(text, "Total", shown["total"]) and _shows(text, "Outstanding", shown["outstanding"])
    assert _shows(text, "Due date", shown["due_date"]) and "05-12-34" in text
    assert "registered in England no. 09876543" in text

    quote = expect(client.post(f"/v1/customers/{cid}/quotes", json={"lines": lines[:2]}), 201).json()
    (text,) = _pages(_pdf(client, f"/v1/quotes/{quote['id']}.pdf"))
    assert "GB 987 6543 21" in text and _shows(text, "Total", quote["total"])
    for rate in quote["vat_breakdown"]:
        assert _shows(text, f"{rate['rate']}%", rate["net"], rate["vat"], rate["total"]), text

    note = expect(
        client.post(
            "/v1/credit-notes",
            json={"invoice_id": invoice["id"], "description": "Valve returned", "lines": [lines[1]]},
        ),
        201,
    ).json()
    assert note["vat_breakdown"] == [{"rate": "5.00", "net": "45.50", "vat": "2.28", "total": "47.78"}]
    (text,) = _pages(_pdf(client, f"/v1/credit-notes/{note['id']}.pdf"))
    assert "Credit note" in text and "GB 987 6543 21" in text
    assert _shows(text, "5.00%", "45.50", "2.28", "47.78") and _shows(text, "Total", "47.78")


def test_long_invoice_spans_pages_with_the_totals_on_the_last(tenant):
    client = tenant.client("accounts")
    cid = create_customer(tenant.admin)["id"]
    billing_knows(client, cid)
    lines = [
        line("12.00", "20" if i % 2 else "5", description=f"Radiator valve, room {i + 1}") for i in range(120)
    ]
    invoice = expect(client.post(f"/v1/customers/{cid}/invoices", json={"lines": lines}), 201).json()
    pages = _pages(_pdf(client, f"/v1/invoices/{invoice['id']}.pdf"))
    assert len(pages) >= 3
    assert _shows(pages[-1], "Total", invoice["total"]) and f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert not any(_shows(page, "Total", invoice["total"]) for page in pages[:-1])
    for rate in invoice["vat_breakdown"]:
        assert _shows(pages[-1], f"{rate['rate']}%", rate["net"], rate["vat"], rate["total"])
    assert "Radiator valve, room 120" in "".join(pages)


def test_document_settings_are_admin_only_with_if_match_and_a_checked_logo(tenant):
    admin = tenant.admin
    first = expect(admin.get("/v1/settings/documents"), 200)
    assert first.headers["ETag"] == '"0"' and first.json()["has_logo"] is False

    for role in ("accounts", "sales", "readonly"):
        assert tenant.client(role).get("/v1/settings/documents").status_code == 403
    assert tenant.client("accounts").put("/v1/settings/documents", json=SETTINGS).status_code == 403

    assert admin.put("/v1/settings/documents", json=SETTINGS).status_code == 428
    r = expect(admin.put("/v1/settings/documents", json=SETTINGS, headers={"If-Match": '"0"'}), 200)
    assert r.headers["ETag"] == '"1"' and r.json()["vat_number"] == "GB 987 6543 21"
    stale = admin.put("/v1/settings/documents", json=SETTINGS, headers={"If-Match": '"0"'})
    assert stale.status_code == 412

    bad = admin.put(
        "/v1/settings/documents", json={**SETTINGS, "bank_sort_code": "1234"}, headers={"If-Match": '"1"'}
    )
    assert bad.status_code == 422 and bad.headers["Content-Type"].startswith("application/problem+json")
    assert "bank_sort_code" in bad.json()["errors"]

    not_an_image = admin.put(
        "/v1/settings/documents/logo", data=b"%PDF-1.4 not a logo", headers={"Content-Type": "image/png"}
    )
    assert not_an_image.status_code == 422 and "logo" in not_an_image.json()["errors"]
    too_big = admin.put(
        "/v1/settings/documents/logo",
        data=b"\x89PNG\r\n\x1a\n" + b"\0" * (600 * 1024),
        headers={"Content-Type": "image/png"},
    )
    assert too_big.status_code == 422 and "logo" in too_big.json()["errors"]
    assert (
        tenant.client("accounts")
        .put("/v1/settings/documents/logo", data=_png(), headers={"Content-Type": "image/png"})
        .status_code
        == 403
    )

    up = expect(
        admin.put("/v1/settings/documents/logo", data=_png(), headers={"Content-Type": "image/png"}), 200
    )
    assert up.json()["has_logo"] is True and up.headers["ETag"] == '"2"'
    logo = expect(admin.get("/v1/settings/documents/logo"), 200)
    assert logo.headers["Content-Type"] == "image/png" and logo.content == _png()

    # the logo is drawn on the PDFs: an image on the first page
    client = tenant.client("accounts")
    cid = create_customer(admin)["id"]
    billing_knows(client, cid)
    invoice = expect(
        client.post(f"/v1/customers/{cid}/invoices", json={"lines": [line("10.00")]}), 201
    ).json()
    reader = pypdf.PdfReader(io.BytesIO(_pdf(client, f"/v1/invoices/{invoice['id']}.pdf")))
    assert len(reader.pages[0].images) == 1
