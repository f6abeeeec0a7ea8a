"""The webhooks service's app factory: wiring only."""

from __future__ import annotations

from flask import Flask

from fieldbook_shared.web import create_service_app

from .api import deliveries, endpoints
from .settings import WebhooksSettings, load_settings
from .uow import WebhooksUnitOfWork

_ = deliveries  # its routes are on the endpoints' blueprint


def create_app(settings: WebhooksSettings | None = None) -> Flask:
    return create_service_app(
        settings or load_settings(),
        title="Fieldbook webhooks",
        blueprints=[endpoints.blp],
        uow_class=WebhooksUnitOfWork,
    )
