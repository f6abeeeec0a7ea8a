"""The customers service's app factory: wiring only."""

from __future__ import annotations

from flask import Flask, request

from fieldbook_shared.problems import problem_response
from fieldbook_shared.settings import Settings
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
from .settings import load_settings
from .store.queries import CustomerMerged
from .uow import CustomersUnitOfWork


def create_app(settings: Settings | None = None) -> Flask:
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
        ],
        uow_class=CustomersUnitOfWork,
    )
    app.register_error_handler(CustomerMerged, _merged_customer)
    imports.allow_large_uploads(app, settings)
    return app


def _merged_customer(exc: CustomerMerged):
    """A merged customer's old id: reads are redirected (301) to the survivor, writes are 410."""
    old_id = next((v for k, v in (request.view_args or {}).items() if k == "customer_id"), None)
    if request.method in ("GET", "HEAD") and old_id is not None:
        location = request.path.replace(str(old_id), exc.survivor_id, 1)
        return problem_response(
            301,
            "Moved permanently",
            exc.detail,
            headers={"Location": location},
            survivor_id=exc.survivor_id,
        )
    return problem_response(410, None, exc.detail, survivor_id=exc.survivor_id)
