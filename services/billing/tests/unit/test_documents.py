"""Document settings (admin, If-Match, logo checked from its bytes) and the PDFs of invoices, quotes
and credit notes: the same VAT breakdown and totals as their JSON."""

from __future__ import annotations

import io

import pypdf
from PIL import Image

from ..conftest import landlords_flat, line


def _text(pdf_bytes: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages)


def _shows(text: str, *cells: str) -> bool:
    """The cells one after another in the extracted text (pypdf puts each table cell on its line)."""
    lines = [x.strip() for x in text.splitlines()]
    return any(lines[i : i + len(cells)] == list(cells) for i in range(len(lines)))


def _png(size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


SETTINGS = {
    "business_name": "Acme Heating Ltd",
    "address_lines": ["Unit 4, Mill Yard", "Leeds", "LS2 7EY"],
    "vat_number": "GB123456789",
    "bank_name": "Northern Bank",
    "bank_sort_code": "12-34-56",
    "bank_account_number": "12345678",
    "terms": "Payment within 30 days of the invoice date.",
    "footer": "Registered in England no. 0123456",
}


def _put(api, body, etag='"0"', role=None):
    return api.as_(role=role).client.put(
        "/v1/settings/documents",
        json=body,
        headers={**_h(api, role), "If-Match": etag},
    )


def _h(api, role=None):
    from ..conftest import headers

    return headers(role or api.role, api.tenant)


def test_settings_start_blank_and_change_with_if_match(api, outbox):
    r = api.get("/v1/settings/documents")
    assert r.status_code == 200 and r.headers["ETag"] == '"0"'
    assert r.get_json()["vat_number"] is None and r.get_json()["has_logo"] is False

    assert api.client.put("/v1/settings/documents", json=SETTINGS, headers=_h(api)).status_code == 428
    r = _put(api, SETTINGS)
    assert r.status_code == 200, r.get_json()
    assert r.headers["ETag"] == '"1"' and r.get_json()["vat_number"] == "GB123456789"
    assert _put(api, SETTINGS, etag='"0"').status_code == 412
    (event,) = outbox("document_settings.updated")
    assert event["data"] == {
        "version": 1,
        "business_name": "Acme Heating Ltd",
        "vat_number": "GB123456789",
        "has_logo": False,
    }


def test_settings_refuse_bad_fields_and_non_admins(api):
    r = _put(api, {**SETTINGS, "bank_sort_code": "12345", "colour": "red"})
    assert r.status_code == 422 and r.headers["Content-Type"] == "application/problem+json"
    assert {"bank_sort_code", "colour"} <= set(r.get_json()["errors"])
    assert _put(api, SETTINGS, role="accounts").status_code == 403
    assert api.as_(role="accounts").get("/v1/settings/documents").status_code == 403


def test_logo_checked_from_its_bytes(api, app):
    put = api.client.put
    r = put(
        "/v1/settings/documents/logo", data=b"GIF89a....", headers={**_h(api), "Content-Type": "image/png"}
    )
    assert r.status_code == 422 and "logo" in r.get_json()["errors"]
    truncated = _png()[:40]
    r = put("/v1/settings/documents/logo", data=truncated, headers={**_h(api), "Content-Type": "image/png"})
    assert r.status_code == 422 and "logo" in r.get_json()["errors"]
    state = app.extensions["fieldbook"]
    state.settings = state.settings.with_(logo_max_bytes=len(_png()) - 1)
    r = put("/v1/settings/documents/logo", data=_png(), headers={**_h(api), "Content-Type": "image/png"})
    assert r.status_code == 422 and "bytes" in r.get_json()["errors"]["logo"][0]
    state.settings = state.settings.with_(logo_max_bytes=512 * 1024)

    r = put("/v1/settings/documents/logo", data=_png(), headers={**_h(api), "Content-Type": "image/png"})
    assert r.status_code == 200 and r.get_json()["has_logo"] is True
    assert r.get_json()["logo_media_type"] == "image/png"
    got = api.get("/v1/settings/documents/logo")
    assert got.status_code == 200 and got.mimetype == "image/png" and got.data == _png()
    assert api.client.delete("/v1/settings/documents/logo", headers=_h(api)).get_json()["has_logo"] is False
    assert api.get("/v1/settings/documents/logo").status_code == 404


def test_invoice_pdf_shows_settings_vat_breakdown_and_totals_as_its_json(api, customer):
    _put(api, SETTINGS)
    api.client.put(
        "/v1/settings/documents/logo", data=_png(), headers={**_h(api), "Content-Type": "image/png"}
    )
    invoice = api.post(
        f"/v1/customers/{customer}/invoices",
        {
            "lines": [
                line(),
                line("Parts", "2", "15.50", "5", "parts"),
                line("Filter", "1", "9.99", "0", "parts"),
            ]
        },
    ).get_json()
    assert invoice["vat_breakdown"] == [
        {"rate": "0.00", "net": "9.99", "vat": "0.00", "total": "9.99"},
        {"rate": "5.00", "net": "31.00", "vat": "1.55", "total": "32.55"},
        {"rate": "20.00", "net": "100.00", "vat": "20.00", "total": "120.00"},
    ]
    assert api.get(f"/v1/invoices/{invoice['id']}").get_json()["vat_breakdown"] == invoice["vat_breakdown"]
    r = api.get(f"/v1/invoices/{invoice['id']}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = _text(r.data)
    for expected in (
        "Acme Heating Ltd",
        "GB123456789",
        "12-34-56",
        "Registered in England",
        invoice["due_date"],
    ):
        assert expected in text
    for rate in invoice["vat_breakdown"]:
        assert _shows(text, f"{rate['rate']}%", rate["net"], rate["vat"], rate["total"]), text
    assert _shows(text, "Total", invoice["total"]) and _shows(text, "Outstanding", invoice["outstanding"])
    assert "Mr John Smith" in text  # the invoice address


def test_long_invoice_spans_pages_with_totals_on_the_last(api, customer):
    lines = [line(f"Radiator valve {i}", "1", "12.00", "20", "parts") for i in range(120)]
    invoice = api.post(f"/v1/customers/{customer}/invoices", {"lines": lines}).get_json()
    reader = pypdf.PdfReader(io.BytesIO(api.get(f"/v1/invoices/{invoice['id']}.pdf").data))
    assert len(reader.pages) >= 3
    last = reader.pages[-1].extract_text()
    assert (
        _shows(last, "Total", invoice["total"]) and f"Page {len(reader.pages)} of {len(reader.pages)}" in last
    )
    assert "Radiator valve 119" in "".join(p.extract_text() for p in reader.pages)


def test_quote_and_credit_note_pdfs(api, customer):
    quote = api.post(
        f"/v1/customers/{customer}/quotes", {"lines": [line(), line("Parts", "1", "10.00", "5", "parts")]}
    ).get_json()
    assert [r["rate"] for r in quote["vat_breakdown"]] == ["5.00", "20.00"]
    text = _text(api.get(f"/v1/quotes/{quote['id']}.pdf").data)
    assert "Quote" in text and _shows(text, "Total", quote["total"]) and "1 High Street" in text
    invoice = api.post(f"/v1/customers/{customer}/invoices", {"lines": [line()]}).get_json()
    note = api.post("/v1/credit-notes", {"invoice_id": invoice["id"], "description": "Goodwill"}).get_json()
    assert note["vat_breakdown"] == [{"rate": "20.00", "net": "100.00", "vat": "20.00", "total": "120.00"}]
    text = _text(api.get(f"/v1/credit-notes/{note['id']}.pdf").data)
    assert "Credit note" in text and _shows(text, "20.00%", "100.00", "20.00", "120.00")
    assert api.get("/v1/credit-notes/00000000-0000-0000-0000-000000000000.pdf").status_code == 404


def test_invoice_pdf_prints_the_invoice_address_format_and_the_work_address(api, bus, customer):
    wid = landlords_flat(bus, customer)
    invoice = api.post(
        f"/v1/customers/{customer}/invoices", {"lines": [line()], "work_address_id": wid}
    ).get_json()
    text = _text(api.get(f"/v1/invoices/{invoice['id']}.pdf").data)
    assert "Ada Lovelace c/o Mr John Smith" in text and "Work address" in text and "2 Park Row" in text
