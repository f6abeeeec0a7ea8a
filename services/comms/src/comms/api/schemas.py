"""marshmallow schemas for every request and response of the comms service.

Requests refuse unknown fields (RAISE): a typo is a 422, never silently dropped. So do query
strings: the views load them with `unknown=RAISE` (webargs would EXCLUDE them), and the schemas of
paged lists know `page` and `page_size` (read by the pagination, not by them).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from fieldbook_shared.events.catalogue.comms import MassEmailCompletedData, NoteData
from fieldbook_shared.schemas import FromCatalogue, Id, PagedQuery, Stamped, StrictSchema

from ..domain.messages import MAX_ADDRESS, has_line_break, sendable_address
from ..domain.sms import RECEIPT_STATUSES
from ..domain.templates import PLACEHOLDERS

KINDS = ("note", "email", "letter", "call", "sms")
DIRECTIONS = ("in", "out")


class IdFilter(fields.String):
    """An id to look up or filter by, in any case; one that is no id simply finds nothing."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(max=36), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).lower()


def one_line(value: str) -> None:
    """A header's text (a subject, a file name) is one line: CR or LF would start a header of its own."""
    if has_line_break(value):
        raise ValidationError("Must be one line (no line breaks).")


class SendableEmail(fields.Email):
    """An email address SMTP can send to, as it will be sent (the domain IDNA-encoded)."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(max=MAX_ADDRESS), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        address = super()._deserialize(value, attr, data, **kwargs)
        try:
            return sendable_address(address)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


# --- notes ---------------------------------------------------------------------------------------


class NoteInSchema(StrictSchema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    important = fields.Boolean(load_default=False, metadata={"description": "Pinned: listed first."})
    do_not_work_with_again = fields.Boolean(load_default=False)
    work_address_id = Id(allow_none=True)


class NotePatchSchema(StrictSchema):
    text = fields.String(validate=validate.Length(min=1, max=20_000))
    important = fields.Boolean()
    do_not_work_with_again = fields.Boolean()


class NoteSchema(FromCatalogue, NoteData):
    """A note as the API shows it: the snapshot its events carry."""

    pinned = fields.Function(
        lambda note: note.important, metadata={"type": "boolean", "description": "Same as important."}
    )


class NoteQuerySchema(PagedQuery):
    work_address_id = IdFilter()
    do_not_work_with_again = fields.Boolean(
        metadata={"description": "true: only the flagged notes (the total says if the customer has any)."}
    )


# --- communications ------------------------------------------------------------------------------


class CommunicationInSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(("call", "sms", "email")))
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    subject = fields.String(allow_none=True, validate=validate.Length(max=500))
    summary = fields.String(allow_none=True, validate=validate.Length(max=20_000))
    occurred_at = fields.AwareDateTime(default_timezone=None)
    pinned = fields.Boolean(load_default=False)
    work_address_id = Id(allow_none=True)


class CommunicationSchema(Schema):
    id = fields.String()
    customer_id = fields.String()
    work_address_id = fields.String(allow_none=True)
    kind = fields.String()
    direction = fields.String()
    author = fields.String()
    occurred_at = fields.DateTime()
    subject = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)
    pinned = fields.Boolean()
    note_id = fields.String(allow_none=True)
    email_id = fields.String(allow_none=True)
    sms_id = fields.String(
        allow_none=True, metadata={"description": "The SMS it records (`/v1/sms/{sms_id}`)."}
    )
    letter_id = fields.String(allow_none=True, metadata={"description": "A letter's: GET /v1/letters/{id}."})
    status = fields.String(
        allow_none=True,
        metadata={
            "description": "An email's: queued, sent or failed. An SMS's: queued, sent, delivered, "
            "failed, or skipped (not sent: the subject says why). A letter's: to_print or printed."
        },
    )


class CommunicationQuerySchema(PagedQuery):
    kind = fields.String(validate=validate.OneOf(KINDS))


# --- templates -----------------------------------------------------------------------------------

_PLACEHOLDER_DOC = (
    "Placeholders: "
    + ", ".join(f"[{n}]" for n in PLACEHOLDERS)
    + '; "First Name" / "Last Name" (quoted) are aliases of [first_name] / [last_name].'
)


class TemplateInSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    subject = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=500), one_line],
        metadata={"description": _PLACEHOLDER_DOC},
    )
    body = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200_000),
        metadata={"description": _PLACEHOLDER_DOC},
    )


class TemplateSchema(Stamped):
    id = fields.String()
    name = fields.String()
    subject = fields.String()
    body = fields.String()


class PlaceholderSchema(Schema):
    name = fields.String()
    description = fields.String()


# --- emails --------------------------------------------------------------------------------------


class AttachmentInSchema(StrictSchema):
    filename = fields.String(required=True, validate=[validate.Length(min=1, max=255), one_line])
    content_type = fields.String(
        load_default="application/octet-stream", validate=validate.Regexp(r"^[\w.+-]+/[\w.+-]+$")
    )
    content_base64 = fields.String(required=True)


class EmailInSchema(StrictSchema):
    customer_id = Id()
    work_address_id = Id()
    to = SendableEmail(
        metadata={
            "description": "Defaults to the customer's primary contact's email. An address SMTP can send "
            "to: ASCII before the @; an international domain is sent IDNA-encoded."
        }
    )
    template_id = IdFilter()
    subject = fields.String(validate=[validate.Length(min=1, max=500), one_line])
    body = fields.String(validate=validate.Length(min=1, max=200_000))
    attachments = fields.List(
        fields.Nested(AttachmentInSchema), load_default=list, validate=validate.Length(max=20)
    )


class AttachmentSchema(Schema):
    id = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class AttemptSchema(Schema):
    attempted_at = fields.DateTime()
    outcome = fields.String()
    smtp_code = fields.Integer(allow_none=True)
    detail = fields.String(allow_none=True)


class EmailSchema(Schema):
    id = fields.String()
    customer_id = fields.String(allow_none=True)
    work_address_id = fields.String(allow_none=True)
    mass_email_id = fields.String(allow_none=True)
    statement_id = fields.String(allow_none=True)
    document_kind = fields.String(
        allow_none=True,
        metadata={"description": "invoice, quote or credit_note: billing's document it carries."},
    )
    document_id = fields.String(allow_none=True)
    document_number = fields.Integer(allow_none=True)
    template_id = fields.String(allow_none=True)
    to = fields.String(attribute="to_address")
    to_name = fields.String(allow_none=True)
    subject = fields.String()
    body = fields.String()
    status = fields.String(metadata={"description": "queued, sending, sent or failed."})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime()
    smtp_code = fields.Integer(allow_none=True)
    smtp_response = fields.String(allow_none=True)
    message_id = fields.String(allow_none=True)
    author = fields.String()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    failed_at = fields.DateTime(allow_none=True)


class EmailDetailSchema(EmailSchema):
    attachments = fields.List(fields.Nested(AttachmentSchema))
    send_log = fields.List(fields.Nested(AttemptSchema))


class EmailQuerySchema(PagedQuery):
    customer_id = IdFilter()
    status = fields.String(validate=validate.OneOf(("queued", "sending", "sent", "failed")))


# --- mailing lists and mass emails ----------------------------------------------------------------

_ID = Id()


class MailingListInSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    customer_ids = fields.List(_ID, required=True, validate=validate.Length(max=10_000))


class MailingListSchema(Stamped):
    id = fields.String()
    name = fields.String()
    customer_ids = fields.List(fields.String())
    size = fields.Function(lambda row: len(row.customer_ids or []), metadata={"type": "integer"})


class MassEmailInSchema(StrictSchema):
    customer_ids = fields.List(_ID, validate=validate.Length(min=1, max=10_000))
    mailing_list_id = IdFilter()
    template_id = IdFilter()
    subject = fields.String(validate=[validate.Length(min=1, max=500), one_line])
    body = fields.String(validate=validate.Length(min=1, max=200_000))
    automated = fields.Boolean(
        load_default=True,
        metadata={
            "description": "An automated send skips dormant customers (default). Opt-outs always count."
        },
    )
    attachments = fields.List(
        fields.Nested(AttachmentInSchema), load_default=list, validate=validate.Length(max=20)
    )


class MassEmailPreviewInSchema(StrictSchema):
    customer_ids = fields.List(_ID, validate=validate.Length(min=1, max=10_000))
    mailing_list_id = IdFilter()
    automated = fields.Boolean(load_default=True)


class PreviewRowSchema(Schema):
    customer_id = fields.String()
    status = fields.String(metadata={"description": "send, skipped, or unknown (not heard of yet)."})
    reason = fields.String(allow_none=True)
    to = fields.String(allow_none=True)
    name = fields.String(allow_none=True)


class MassEmailSchema(FromCatalogue, MassEmailCompletedData):
    """A mass email as the API shows it: its counts as `mass_email.completed` carries them, and
    where it stands."""

    status = fields.String(metadata={"description": "queued, expanding, sending, completed."})
    subject = fields.String()
    automated = fields.Boolean()
    mailing_list_id = fields.String(allow_none=True)
    template_id = fields.String(allow_none=True)
    pending = fields.Integer(metadata={"description": "Not yet sent, skipped or failed."})
    skipped_reasons = fields.Dict(keys=fields.String(), values=fields.Integer())
    author = fields.String()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


RECIPIENT_STATUSES = ("pending", "sending", "sent", "failed", "skipped")


class RecipientSchema(Schema):
    customer_id = fields.String()
    status = fields.String(metadata={"description": ", ".join(RECIPIENT_STATUSES) + "."})
    reason = fields.String(allow_none=True)
    email_id = fields.String(allow_none=True)
    to = fields.String(allow_none=True)


class RecipientQuerySchema(PagedQuery):
    status = fields.String(
        validate=validate.OneOf(RECIPIENT_STATUSES),
        metadata={"description": "Only the recipients showing this status."},
    )


# --- SMS -----------------------------------------------------------------------------------------

SMS_STATUSES = ("queued", "sending", "sent", "delivered", "failed", "skipped")


class SmsInSchema(StrictSchema):
    customer_id = Id(required=True)
    contact_id = Id(
        metadata={
            "description": "One of the customer's contacts: its own mobile. Default: the primary "
            "contact's, else the customer's phone if it is a mobile."
        }
    )
    work_address_id = Id(
        metadata={"description": "The work address it is about: logged there, its SMS preference honoured."}
    )
    template_id = IdFilter(
        metadata={"description": "An email template: its body is the text (plain), its subject is not sent."}
    )
    body = fields.String(
        validate=validate.Length(min=1, max=1600),
        metadata={"description": _PLACEHOLDER_DOC + " At most 1600 characters once filled in."},
    )


class SmsSchema(Schema):
    id = fields.String()
    customer_id = fields.String(allow_none=True)
    contact_id = fields.String(allow_none=True)
    work_address_id = fields.String(allow_none=True)
    template_id = fields.String(allow_none=True)
    to = fields.String(
        allow_none=True,
        metadata={"description": "The mobile number, E.164 (+447700900123); none when there was none."},
    )
    body = fields.String()
    segments = fields.Integer(metadata={"description": "How many SMS the provider sends for the text."})
    status = fields.String(metadata={"description": ", ".join(SMS_STATUSES) + "."})
    reason = fields.String(
        allow_none=True,
        metadata={
            "description": "Why it was skipped (opted out of SMS, no mobile number…) or failed; "
            "why it waits for a retry."
        },
    )
    attempts = fields.Integer()
    provider_message_id = fields.String(allow_none=True)
    provider_status = fields.String(
        allow_none=True, metadata={"description": "The provider's last word on it."}
    )
    author = fields.String()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    failed_at = fields.DateTime(allow_none=True)


class SmsQuerySchema(PagedQuery):
    customer_id = IdFilter()
    status = fields.String(validate=validate.OneOf(SMS_STATUSES))


class SmsReceiptSchema(Schema):
    """A delivery receipt as the provider POSTs it (unknown fields are the provider's own, ignored)."""

    class Meta:
        unknown = EXCLUDE

    id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "The provider's message id."},
    )
    reference = fields.String(
        required=True,
        validate=validate.Length(max=36),
        metadata={"description": "The SMS's id, as comms sent it."},
    )
    status = fields.String(required=True, validate=validate.OneOf(RECEIPT_STATUSES))
    error_code = fields.String(allow_none=True, validate=validate.Length(max=40))
    error_message = fields.String(allow_none=True, validate=validate.Length(max=300))
    to = fields.String(allow_none=True, validate=validate.Length(max=20))
    timestamp = fields.String(allow_none=True, validate=validate.Length(max=40))


class SmsReceiptAnswerSchema(Schema):
    id = fields.String(metadata={"description": "The SMS's id."})
    status = fields.String(metadata={"description": ", ".join(SMS_STATUSES) + "."})


# --- letters ---------------------------------------------------------------------------------------

LETTER_STATUSES = ("to_print", "printed")


class LetterSchema(Schema):
    id = fields.String()
    customer_id = fields.String()
    work_address_id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "to_print or printed."})
    to_name = fields.String(allow_none=True, metadata={"description": "Whom it is addressed to."})
    address_lines = fields.List(fields.String(), metadata={"description": "The postal address printed."})
    letter_date = fields.Date(metadata={"description": "The date printed on it (the day it was made)."})
    subject = fields.String(metadata={"description": "Its heading."})
    body = fields.String()
    reason = fields.String(allow_none=True, metadata={"description": "Why a letter and not an email."})
    message_key = fields.String(
        allow_none=True, metadata={"description": "What it was made for (a service reminder's stage), once."}
    )
    template_id = fields.String(allow_none=True)
    author = fields.String()
    created_at = fields.DateTime()
    printed_at = fields.DateTime(allow_none=True)
    printed_by = fields.String(allow_none=True)


class LetterQuerySchema(PagedQuery):
    status = fields.String(validate=validate.OneOf(LETTER_STATUSES))
    customer_id = IdFilter()


class LettersPrintedSchema(StrictSchema):
    letter_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=500))
