"""The assets service's app factory: wiring only."""

from __future__ import annotations

from flask import Flask

from fieldbook_shared.web import create_service_app

from .api import assets, catalogue, export_parts, timeline
from .customers_client import CustomersClient
from .settings import AssetsSettings, load_settings
from .uow import AssetsUnitOfWork


def create_app(settings: AssetsSettings | None = None) -> Flask:
    settings = settings or load_settings()
    app = create_service_app(
        settings,
        title="Fieldbook assets",
        blueprints=[
            assets.customer_assets,
            assets.assets,
            *catalogue.BLUEPRINTS,
            export_parts.blp,
            timeline.blp,
        ],
        uow_class=AssetsUnitOfWork,
    )
    app.extensions[assets.LOOKUP_EXTENSION] = CustomersClient.from_settings(settings)
    return app
