"""Export of the customer list (the list's filters, chosen columns) as CSV or XLSX, streamed.

Rows come from the same query as `GET /v1/customers`, read in partitions (`yield_per`), so a
large list is never held in memory. Column names are the import's field names, so an exported
file can be mapped straight back in. Cells that a spreadsheet would run as a formula are
prefixed with an apostrophe (OWASP: CSV injection).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal

from fieldbook_shared.problems import ValidationFailed

from .store.models import Contact, Customer
from .store.queries import CustomerFilters, customers_query
from .uow import CustomersUnitOfWork

PARTITION = 500


def _primary(c: Customer) -> Contact | None:
    return next((x for x in c.contacts if x.is_primary), None)


def _contact(attr: str) -> Callable[[Customer], object]:
    def get(c: Customer):
        p = _primary(c)
        if p is None:
            return None
        if attr == "phone":
            return p.phones[0].get("number") if p.phones else None
        return getattr(p, attr)

    return get


def _attr(name: str) -> Callable[[Customer], object]:
    return lambda c: getattr(c, name)


COLUMNS: dict[str, Callable[[Customer], object]] = {
    "id": _attr("id"),
    "type": _attr("type"),
    "display_name": _attr("display_name"),
    "title": _attr("title"),
    "first_name": _attr("first_name"),
    "surname": _attr("surname"),
    "company_name": _attr("company_name"),
    "business_type": _attr("business_type"),
    "address_line_1": _attr("address_line_1"),
    "address_line_2": _attr("address_line_2"),
    "address_line_3": _attr("address_line_3"),
    "town": _attr("town"),
    "county": _attr("county"),
    "postcode": _attr("postcode"),
    "email": _attr("email"),
    "phone": _attr("phone"),
    "status": _attr("status"),
    "blocked": _attr("blocked"),
    "block_reason": _attr("block_reason"),
    "credit_limit": _attr("credit_limit"),
    "payment_terms_days": _attr("payment_terms_days"),
    "account_manager": _attr("account_manager"),
    "advertising_source": _attr("advertising_source"),
    "price_book": _attr("price_book"),
    "accounts_ref": _attr("accounts_ref"),
    "accounts_balance": _attr("accounts_balance"),
    "contact_title": _contact("title"),
    "contact_first_name": _contact("first_name"),
    "contact_surname": _contact("surname"),
    "contact_email": _contact("email"),
    "contact_phone": _contact("phone"),
    "contact_position": _contact("position"),
    "created_at": _attr("created_at"),
    "updated_at": _attr("updated_at"),
}
# what the customer list shows (Riggott IMS's columns), plus the address
DEFAULT_COLUMNS = (
    "display_name",
    "type",
    "business_type",
    "address_line_1",
    "town",
    "postcode",
    "email",
    "phone",
    "contact_surname",
    "contact_email",
    "contact_phone",
    "accounts_ref",
    "status",
)
FORMATS = ("csv", "xlsx")
_FORMULA_START = re.compile(r"^[=@\t\r]|^[+\-](?![\d\s().]*$)")


def parse_columns(raw: str | None) -> list[str]:
    if not raw:
        return list(DEFAULT_COLUMNS)
    columns = [c.strip() for c in raw.split(",") if c.strip()]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown or not columns:
        raise ValidationFailed(
            {
                "columns": [
                    f"Unknown column(s): {', '.join(unknown) or '(none)'}. Columns: {', '.join(COLUMNS)}."
                ]
            }
        )
    return columns


def safe_text(value: str) -> str:
    """'=SUM(A1)' → "'=SUM(A1)"; phone numbers like '+44 113 496 0000' stay as they are."""
    return "'" + value if _FORMULA_START.match(value) else value


def _cell(value: object, xlsx: bool) -> object:
    if value is None:
        return "" if not xlsx else None
    if isinstance(value, bool):
        return value if xlsx else ("true" if value else "false")
    if isinstance(value, Decimal):
        return value if xlsx else f"{value:.2f}"
    if isinstance(value, datetime):
        if xlsx:  # Excel has no time zones: UTC, written without one
            return value.replace(tzinfo=None)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, str):
        return safe_text(value)
    return value


def customer_rows(
    uow: CustomersUnitOfWork, filters: CustomerFilters, columns: list[str], xlsx: bool = False
) -> Iterator[list]:
    """The header, then one list of cells per customer, read `PARTITION` rows at a time."""
    getters = [COLUMNS[c] for c in columns]
    yield list(columns)
    with uow:
        stmt = customers_query(uow.tenant_id, filters).execution_options(yield_per=PARTITION)
        for partition in uow.session.scalars(stmt).partitions():
            for customer in partition:
                yield [_cell(get(customer), xlsx) for get in getters]
            uow.session.expunge_all()


def csv_stream(rows: Iterator[list]) -> Iterator[bytes]:
    """CSV (UTF-8 with a BOM, so spreadsheets read accents right), sent every few hundred rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    for n, row in enumerate(rows, start=1):
        writer.writerow(row)
        if n % PARTITION == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def xlsx_stream(rows: Iterator[list], sheet: str = "Customers") -> Iterator[bytes]:
    """openpyxl's write-only workbook (rows go to a temporary file, not memory), then sent in pieces."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    for row in rows:
        worksheet.append(row)
    with tempfile.TemporaryFile() as fh:
        workbook.save(fh)
        fh.seek(0)
        while True:
            piece = fh.read(64 * 1024)
            if not piece:
                return
            yield piece
