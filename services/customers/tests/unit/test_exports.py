"""Export of the customer list as CSV and XLSX: the list's filters, chosen columns, safe cells."""

from __future__ import annotations

import csv
import io

from ..conftest import private_customer


def _csv(resp) -> list[list[str]]:
    return list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))


def test_csv_export_has_the_chosen_columns_and_the_lists_filters(api):
    api.post(
        "/v1/customers",
        private_customer(surname="Alpha", address={"line_1": "1 A St", "postcode": "LS1 1AA"}),
    )
    api.post(
        "/v1/customers", private_customer(surname="Beta", address={"line_1": "2 B St", "postcode": "YO1 1AA"})
    )
    resp = api.get("/v1/exports/customers?format=csv&columns=surname,postcode,status&postcode=LS1")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"].startswith("attachment; filename=")
    assert _csv(resp) == [["surname", "postcode", "status"], ["Alpha", "LS1 1AA", "active"]]


def test_default_columns_and_formula_cells_are_made_harmless(api):
    api.post("/v1/customers", private_customer(surname='=HYPERLINK("x")', phone="+44 113 496 0000"))
    rows = _csv(api.get("/v1/exports/customers?columns=surname,phone,contact_surname"))
    assert rows[1] == ['\'=HYPERLINK("x")', "+44 113 496 0000", ""]
    default = _csv(api.get("/v1/exports/customers"))
    assert default[0][:3] == ["display_name", "type", "business_type"]


def test_unknown_column_is_a_422(api):
    resp = api.get("/v1/exports/customers?columns=surname,password")
    assert resp.status_code == 422
    assert "columns" in resp.get_json()["errors"]


def test_xlsx_export_is_a_workbook_with_the_rows(api):
    from openpyxl import load_workbook

    for i in range(3):
        api.post("/v1/customers", private_customer(surname=f"S{i}"))
    resp = api.get("/v1/exports/customers?format=xlsx&columns=surname,created_at,blocked&sort=name")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(resp.get_data())).active
    values = list(sheet.values)
    assert values[0] == ("surname", "created_at", "blocked")
    assert [v[0] for v in values[1:]] == ["S0", "S1", "S2"]
    assert values[1][2] is False


def test_an_export_maps_straight_back_into_an_import(api):
    api.post("/v1/customers", private_customer())
    exported = api.get("/v1/exports/customers?columns=surname,first_name,address_line_1,postcode,email")
    resp = api.client.post(
        "/v1/imports?kind=customers",
        data=exported.get_data(),
        content_type="text/csv",
        headers={"X-Tenant-Id": api.tenant, "X-Role": "admin"},
    )
    assert resp.get_json()["suggested_mapping"] == {
        "surname": "surname",
        "first_name": "first_name",
        "address_line_1": "address_line_1",
        "postcode": "postcode",
        "email": "email",
    }
