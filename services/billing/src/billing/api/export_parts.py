"""billing's part of the export of all customer data (called by customers' export job)."""

from fieldbook_shared.export_parts import Part, parts_blueprint

from ..service.jobs import PLAN_FIELDS
from ..store.models import CreditNote, Invoice, Job, Payment, Quote

PARTS = {
    "quotes": Part(
        Quote,
        (
            "id",
            "customer_id",
            "number",
            "status",
            "description",
            "work_address_id",
            "job_id",
            "net",
            "vat",
            "total",
            "created_by",
            "created_at",
            "updated_at",
            "converted_at",
        ),
    ),
    "jobs": Part(
        Job,
        (
            "id",
            "customer_id",
            "number",
            "quote_id",
            "description",
            "status",
            *PLAN_FIELDS,
            "total",
            "invoice_id",
            "created_at",
            "updated_at",
            "completed_at",
        ),
    ),
    "invoices": Part(
        Invoice,
        (
            "id",
            "customer_id",
            "number",
            "status",
            "description",
            "notes",
            "job_id",
            "consolidated",
            "work_address_id",
            "invoice_address",
            "invoice_date",
            "due_date",
            "retention_pct",
            "retention_amount",
            "net",
            "vat",
            "total",
            "created_at",
            "issued_at",
            "voided_at",
        ),
    ),
    "credit_notes": Part(
        CreditNote,
        (
            "id",
            "customer_id",
            "number",
            "invoice_id",
            "description",
            "notes",
            "credit_date",
            "breakdown",
            "net",
            "vat",
            "total",
            "created_at",
        ),
    ),
    "payments": Part(
        Payment,
        (
            "id",
            "customer_id",
            "kind",
            "method",
            "reference",
            "nominal_account",
            "amount",
            "received_on",
            "created_by",
            "created_at",
        ),
    ),
}

blp = parts_blueprint(PARTS)
