"""The billing service's app factory: wiring only."""

from __future__ import annotations

import logging

from flask import Flask

from fieldbook_shared.web import create_service_app

from . import customers_client
from .api import (
    documents,
    export_parts,
    invoices,
    jobs,
    money,
    public_quotes,
    quotes,
    recurring_invoices,
    reports,
    statements,
    timeline,
)
from .settings import DEV_QUOTE_LINK_SECRET, BillingSettings, load_settings
from .uow import BillingUnitOfWork


def create_app(settings: BillingSettings | None = None) -> Flask:
    settings = settings or load_settings()
    customers_client.configure(settings)
    if settings.quote_link_secret == DEV_QUOTE_LINK_SECRET and not settings.testing:
        logging.getLogger("fieldbook.billing").warning(
            "QUOTE_LINK_SECRET is not set: quotes' acceptance links are signed with the development default"
        )
    return create_service_app(
        settings,
        title="Fieldbook billing",
        blueprints=[
            export_parts.blp,
            quotes.customer_quotes,
            quotes.quotes,
            jobs.customer_jobs,
            jobs.jobs,
            invoices.customer_invoices,
            invoices.invoices,
            invoices.consolidated,
            recurring_invoices.customer_recurring_invoices,
            recurring_invoices.recurring_invoices,
            money.credit_notes,
            money.customer_credit_notes,
            money.payments,
            money.customer_payments,
            money.account_credit,
            money.refunds,
            money.cards,
            statements.customer_statement,
            statements.statements,
            statements.reconciliation,
            documents.blp,
            reports.blp,
            public_quotes.blp,
            timeline.blp,
        ],
        uow_class=BillingUnitOfWork,
    )
