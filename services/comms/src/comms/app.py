"""The comms service's app factory: wiring only."""

from __future__ import annotations

from flask import Flask, request

from fieldbook_shared.web import create_service_app

from .api import (
    communications,
    emails,
    export_parts,
    letters,
    mailing_lists,
    mass_emails,
    notes,
    sms,
    sms_receipts,
    templates,
    timeline,
)
from .clients import BillingClient, CustomersClient, GatewayClient
from .settings import CommsSettings, load_settings
from .uow import CommsUnitOfWork

LARGE_BODY_PATHS = ("/v1/emails", "/v1/mass-emails")


def uow_class_for(
    customers: CustomersClient | None,
    billing: BillingClient | None = None,
    gateway: GatewayClient | None = None,
) -> type[CommsUnitOfWork]:
    """The unit of work, with the lookups of customers comms has not heard of yet, of the
    tenant's letterhead its letters print on (billing's document settings), and of a tenant's
    admins (the worker's: it emails them on events)."""

    class Uow(CommsUnitOfWork):
        customer_fetcher = staticmethod(customers.customer) if customers else None
        work_address_fetcher = staticmethod(customers.work_address) if customers else None
        letterhead = staticmethod(billing.letterhead) if billing else None
        admins_fetcher = staticmethod(gateway.admins) if gateway else None

    return Uow


def create_app(
    settings: CommsSettings | None = None,
    customers: CustomersClient | None = None,
    billing: BillingClient | None = None,
) -> Flask:
    settings = settings or load_settings()
    customers = customers or CustomersClient.from_settings(settings)
    billing = billing or BillingClient.from_settings(settings)
    app = create_service_app(
        settings,
        title="Fieldbook comms",
        blueprints=[
            export_parts.blp,
            notes.customer_notes,
            notes.notes,
            communications.customer_log,
            communications.work_address_log,
            templates.blp,
            emails.blp,
            letters.blp,
            mass_emails.mass_emails,
            mailing_lists.blp,
            sms.blp,
            sms_receipts.blp,
            timeline.blp,
        ],
        uow_class=uow_class_for(customers, billing),
    )
    email_limit = settings.max_email_body_bytes

    def _larger_body_for_email() -> None:
        # attachments travel in these bodies (base64 in JSON): they get their own, larger limit;
        # first in line, before anything (the Idempotency-Key hash) reads the body
        if request.method == "POST" and request.path.rstrip("/") in LARGE_BODY_PATHS:
            request.max_content_length = email_limit

    app.before_request_funcs.setdefault(None, []).insert(0, _larger_body_for_email)
    return app
