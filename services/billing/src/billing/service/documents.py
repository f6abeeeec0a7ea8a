"""Use cases of the tenant's documents: the settings an admin sets (business name, address, VAT
number, bank details, terms, footer, logo) and what an invoice, quote or credit note PDF is drawn
from.

The PDF of a document is drawn from the dict its JSON response is dumped to (the same schema, the
same VAT breakdown), plus the settings and the customer's name and address: one computation.
"""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from fieldbook_shared.etag import ExpectedVersion, check_version
from fieldbook_shared.problems import Forbidden, ValidationFailed

from ..store.models import DocumentSettings
from ..uow import BillingUnitOfWork

# What PUT /v1/settings/documents sets; every one of them (a field left out is cleared).
FIELDS = (
    "business_name",
    "address_lines",
    "phone",
    "email",
    "website",
    "vat_number",
    "company_number",
    "bank_name",
    "bank_account_name",
    "bank_sort_code",
    "bank_account_number",
    "iban",
    "bic",
    "terms",
    "footer",
)
# The logo is recognised from its first bytes, whatever the request's Content-Type says.
LOGO_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png", "PNG"), (b"\xff\xd8\xff", "image/jpeg", "JPEG"))
LOGO_MAX_PIXELS = 4000  # per side: a logo, not a photograph to scale down on every PDF


def admin_only(uow: BillingUnitOfWork) -> None:
    if uow.context.role != "admin":
        raise Forbidden("Only admin may change the document settings.")


def _defaults(uow: BillingUnitOfWork) -> DocumentSettings:
    """The settings of a tenant that has set none (version 0): nothing but the business name."""
    row = DocumentSettings(tenant_id=uow.tenant_id, version=0, address_lines=[])
    for name in FIELDS:
        if name != "address_lines":
            setattr(row, name, None)
    row.logo = row.logo_media_type = row.updated_at = None
    return row


def _find(uow: BillingUnitOfWork, lock: bool = False) -> DocumentSettings | None:
    query = uow.session.query(DocumentSettings).filter_by(tenant_id=uow.tenant_id)
    return (query.with_for_update() if lock else query).one_or_none()


def read_settings(uow: BillingUnitOfWork) -> DocumentSettings:
    with uow:
        row = _find(uow)
        if row is None:
            return _defaults(uow)
        uow.session.expunge(row)
        return row


def _changed(uow: BillingUnitOfWork, expected: ExpectedVersion, change) -> DocumentSettings:
    """Apply `change` to the settings row (made on first change) at the version the client read,
    and publish document_settings.updated in the same transaction."""
    admin_only(uow)
    with uow:
        row = _find(uow, lock=True)
        check_version(row.version if row else 0, expected)
        if row is None:
            row = _defaults(uow)
            uow.session.add(row)
        change(row)
        row.version += 1
        row.updated_by = uow.context.actor
        uow.session.flush()
        uow.publish(
            "document_settings.updated",
            {
                "version": row.version,
                "business_name": row.business_name,
                "vat_number": row.vat_number,
                "has_logo": row.has_logo,
            },
        )
        uow.commit()
        uow.session.refresh(row)
        uow.session.expunge(row)
        return row


def update_settings(uow: BillingUnitOfWork, expected: ExpectedVersion, body: dict) -> DocumentSettings:
    def change(row: DocumentSettings) -> None:
        for name in FIELDS:
            value = body.get(name)
            if isinstance(value, str):
                value = value.strip() or None
            setattr(row, name, value if name != "address_lines" else [a for a in value or [] if a.strip()])

    return _changed(uow, expected, change)


def checked_logo(data: bytes, max_bytes: int) -> tuple[bytes, str]:
    """The logo and its media type, or a 422 naming `logo`: PNG or JPEG by its bytes, within the
    size limit, and an image that opens (a truncated file would break every PDF later)."""
    if not data:
        raise ValidationFailed({"logo": ["Send the logo (PNG or JPEG) as the request body."]})
    if len(data) > max_bytes:
        raise ValidationFailed(
            {"logo": [f"The logo is {len(data)} bytes; at most {max_bytes} are accepted."]}
        )
    media_type = next((mt for magic, mt, _ in LOGO_TYPES if data.startswith(magic)), None)
    expected_format = next((fmt for magic, _, fmt in LOGO_TYPES if data.startswith(magic)), None)
    if media_type is None:
        raise ValidationFailed({"logo": ["Must be a PNG or JPEG image."]})
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected_format:
                raise ValueError(image.format)
            width, height = image.size
            image.load()
    except (UnidentifiedImageError, ValueError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationFailed({"logo": ["Not a readable PNG or JPEG image."]}) from None
    if not (0 < width <= LOGO_MAX_PIXELS and 0 < height <= LOGO_MAX_PIXELS):
        raise ValidationFailed({"logo": [f"At most {LOGO_MAX_PIXELS} × {LOGO_MAX_PIXELS} pixels."]})
    return data, media_type


def set_logo(
    uow: BillingUnitOfWork, expected: ExpectedVersion, data: bytes, max_bytes: int
) -> DocumentSettings:
    admin_only(uow)
    logo, media_type = checked_logo(data, max_bytes)

    def change(row: DocumentSettings) -> None:
        row.logo, row.logo_media_type = logo, media_type

    return _changed(uow, expected, change)


def remove_logo(uow: BillingUnitOfWork, expected: ExpectedVersion) -> DocumentSettings:
    def change(row: DocumentSettings) -> None:
        row.logo = row.logo_media_type = None

    return _changed(uow, expected, change)


def _address(row) -> list[str]:
    lines = [row.address_line_1, row.address_line_2, row.address_line_3, row.town, row.county, row.postcode]
    return [a for a in lines if a]


def customer_header(uow: BillingUnitOfWork, customer_id: str, work_address_id: str | None = None) -> dict:
    """The customer's name and address as billing holds them (for quotes and credit notes, which
    have no invoice address of their own), and the work address (the site) when the document has
    one: an invoice addressed to the customer says where the work was done."""
    with uow:
        row = uow.customers.find(customer_id)
        header = {"name": row.display_name if row else "", "address": _address(row) if row else []}
        site = uow.work_addresses.find(work_address_id) if work_address_id else None
        header["work_address"] = ([site.name] if site and site.name else []) + (
            _address(site) if site else []
        )
        return header
