"""The accounting-sync app factory: wiring only."""

from __future__ import annotations

from flask import Flask

from fieldbook_shared.web import create_service_app

from .api import accounting, postings
from .settings import SyncSettings, load_settings
from .uow import SyncUnitOfWork


def create_app(settings: SyncSettings | None = None) -> Flask:
    settings = settings or load_settings()
    app = create_service_app(
        settings,
        title="Fieldbook accounting-sync",
        blueprints=[accounting.customer_accounting, accounting.accounting, postings.postings],
        uow_class=SyncUnitOfWork,
    )
    # the Sage business of tenants that have not chosen their own
    app.config["SAGE_DEFAULT_BUSINESS"] = settings.sage_business_id
    return app
