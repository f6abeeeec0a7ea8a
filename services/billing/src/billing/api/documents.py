"""The tenant's document settings (admin); the PDFs of invoices, quotes and credit notes and their
sending (`POST …/send`, the same for the three)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldbook_shared.apidoc import (
    accepts_if_match,
    answers,
    file_content,
    file_response,
    sends_etag,
)
from fieldbook_shared.etag import expected_version, with_etag
from fieldbook_shared.problems import NotFound
from fieldbook_shared.schemas import StrictSchema
from fieldbook_shared.verbs import blueprint, edits, reads
from fieldbook_shared.web import current_uow

from ..pdf import render_document
from ..service import documents, sending
from .schemas import DocumentSendInSchema, DocumentSendSchema

PDF = "application/pdf"
LOGO_TYPES = ("image/png", "image/jpeg")

blp = blueprint(
    "document_settings",
    "/v1/settings/documents",
    "What the tenant's invoices, quotes and credit notes print (admin).",
)


def _text(max_len: int, **kw) -> fields.String:
    return fields.String(allow_none=True, validate=validate.Length(max=max_len), **kw)


def _code(max_len: int, pattern: str, error: str, **kw) -> fields.String:
    return fields.String(
        allow_none=True,
        validate=[validate.Length(max=max_len), validate.Regexp(pattern, error=error)],
        **kw,
    )


class DocumentSettingsInSchema(StrictSchema):
    """Every setting; one left out is cleared (PUT replaces them all). The logo is uploaded apart."""

    business_name = _text(200, metadata={"description": "Printed at the top; default the service's name."})
    address_lines = fields.List(
        fields.String(validate=validate.Length(max=200)), validate=validate.Length(max=6), allow_none=True
    )
    phone = _text(50)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    website = _text(200)
    vat_number = _code(
        32,
        r"^[A-Za-z0-9][A-Za-z0-9 .-]*$",
        "A VAT registration number: letters, digits, spaces, dots and hyphens (e.g. GB 123 4567 89).",
        metadata={"example": "GB123456789"},
    )
    company_number = _code(32, r"^[A-Za-z0-9][A-Za-z0-9 ]*$", "Letters, digits and spaces.")
    bank_name = _text(100)
    bank_account_name = _text(100)
    bank_sort_code = _code(16, r"^[0-9]{2}-?[0-9]{2}-?[0-9]{2}$", "Six digits, e.g. 12-34-56.")
    bank_account_number = _code(34, r"^[0-9]{6,10}$", "6 to 10 digits.")
    iban = _code(
        34, r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$", "An IBAN without spaces, e.g. GB29NWBK60161331926819."
    )
    bic = _code(11, r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$", "A BIC of 8 or 11 characters.")
    terms = _text(4000, metadata={"description": "Payment terms and conditions, printed after the totals."})
    footer = _text(500, metadata={"description": "Printed at the foot of every page."})


class DocumentSettingsSchema(Schema):
    business_name = fields.String(allow_none=True)
    address_lines = fields.List(fields.String())
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    vat_number = fields.String(allow_none=True)
    company_number = fields.String(allow_none=True)
    bank_name = fields.String(allow_none=True)
    bank_account_name = fields.String(allow_none=True)
    bank_sort_code = fields.String(allow_none=True)
    bank_account_number = fields.String(allow_none=True)
    iban = fields.String(allow_none=True)
    bic = fields.String(allow_none=True)
    terms = fields.String(allow_none=True)
    footer = fields.String(allow_none=True)
    has_logo = fields.Boolean()
    logo_media_type = fields.String(allow_none=True)
    version = fields.Integer(metadata={"description": "0 while nothing has been set (the defaults)."})
    updated_at = fields.DateTime(allow_none=True)


LOGO_BODY = {
    "required": True,
    "description": "The logo's bytes: PNG or JPEG (recognised from the bytes), at most "
    "DOCUMENT_LOGO_MAX_BYTES (default 512 KiB) and 4000 × 4000 pixels.",
    "content": file_content(*LOGO_TYPES),
}


def _settings_for_print(row) -> dict:
    data = DocumentSettingsSchema().dump(row)
    default_name = current_app.extensions["fieldbook"].settings.business_name
    data["business_name"] = data.get("business_name") or default_name
    return data


def document_pdf(kind: str, data: dict, name: str) -> Response:
    """The PDF of a document from its dumped JSON (`data`), the tenant's settings and logo, and the
    customer's name and address as billing holds them."""
    uow = current_uow()
    row = documents.read_settings(uow)
    customer = documents.customer_header(uow, data["customer_id"], data.get("work_address_id"))
    body = render_document(kind, data, _settings_for_print(row), customer, row.logo)
    return Response(body, mimetype=PDF, headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


def pdf_route(
    blp: Blueprint, kind: str, id_name: str, schema: type[Schema], read: Callable[[Any], Any]
) -> None:
    """GET …/<id>.pdf of a quote, an invoice or a credit note (`kind`): the document `read(id)`
    gives, as `schema` dumps it for its JSON, printed (`document_pdf`); one view for the three."""
    words = kind.replace("_", " ")

    class Pdf(MethodView):
        @file_response(PDF, description=f"The {words} as a PDF")
        def get(self, **ids):
            data = schema().dump(read(ids[id_name]))
            return document_pdf(kind, data, f"{kind.replace('_', '-')}-{data['number']}")

    Pdf.get.__doc__ = f"The {words} as a PDF: the same lines, VAT breakdown and totals as its JSON."
    blp.route(f"/<uuid:{id_name}>.pdf", endpoint=f"{kind.title().replace('_', '')}Pdf")(Pdf)


def sends(document_blp: Blueprint):
    """The view of `POST /v1/<documents>/{id}/send`: an optional body (who, template, message),
    202 with what was queued for comms, 409 when the document cannot be sent."""

    def decorator(view):
        view = document_blp.response(202, DocumentSendSchema)(view)
        view = document_blp.arguments(DocumentSendInSchema, required=False)(view)
        return answers(409)(view)

    return decorator


def send(
    kind: str, document_id, body: dict | None, links: sending.QuoteLinks | None = None
) -> tuple[dict, int]:
    """Ask comms to email the document with its PDF (`document.send_requested`)."""
    return sending.send_document(current_uow(), kind, str(document_id), body or {}, links), 202


@blp.route("")
class DocumentSettings(MethodView):
    @reads(blp, DocumentSettingsSchema)
    def get(self):
        """The tenant's document settings (version 0 and blank until an admin sets them)."""
        documents.admin_only(current_uow())
        return with_etag(documents.read_settings(current_uow()))

    @edits(blp, DocumentSettingsInSchema, DocumentSettingsSchema)
    def put(self, body):
        """Set every document setting (admin). Needs `If-Match` (`"0"` before the first change)."""
        version = expected_version()
        return with_etag(documents.update_settings(current_uow(), version, body))


@blp.route("/logo")
class Logo(MethodView):
    @answers(404)
    @file_response(*LOGO_TYPES, description="The logo printed on the tenant's documents")
    def get(self):
        """The logo as uploaded (404 when there is none)."""
        documents.admin_only(current_uow())
        row = documents.read_settings(current_uow())
        if row.logo is None:
            raise NotFound("No logo has been uploaded.")
        return Response(row.logo, mimetype=row.logo_media_type)

    @accepts_if_match
    @sends_etag
    @blp.doc(requestBody=LOGO_BODY)
    @blp.response(200, DocumentSettingsSchema)
    def put(self):
        """Upload the logo (admin): PNG or JPEG as the body, replacing the one before. 422 otherwise."""
        version = expected_version() if request.headers.get("If-Match") else None
        limit = current_app.extensions["fieldbook"].settings.logo_max_bytes
        return with_etag(documents.set_logo(current_uow(), version, request.get_data(), limit))

    @accepts_if_match
    @sends_etag
    @blp.response(200, DocumentSettingsSchema)
    def delete(self):
        """Remove the logo (admin): documents print without one."""
        version = expected_version() if request.headers.get("If-Match") else None
        return with_etag(documents.remove_logo(current_uow(), version))
