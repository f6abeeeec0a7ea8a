"""The customers service's app factory: wiring only."""

from __future__ import annotations

from flask import Flask

from fieldbook_shared.web import create_service_app

from .api import (
    contacts,
    customers,
    data_exports,
    exports,
    imports,
    internal,
    lifecycle,
    sites,
    tenant_settings,
)
from .settings import CustomersSettings, load_settings
from .uow import CustomersUnitOfWork


def create_app(settings: CustomersSettings | None = None) -> Flask:
    settings = settings or load_settings()
    app = create_service_app(
        settings,
        title="Fieldbook customers",
        blueprints=[
            customers.blp,
            lifecycle.blp,
            contacts.blp,
            sites.branches,
            sites.work_addresses,
            tenant_settings.custom_fields,
            tenant_settings.customer_types,
            imports.blp,
            exports.blp,
            data_exports.blp,
            data_exports.parts,
            internal.blp,
            internal.work_addresses,
        ],
        uow_class=CustomersUnitOfWork,
    )
    imports.allow_large_uploads(app, settings)
    return app
