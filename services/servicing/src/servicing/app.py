"""The servicing service's app factory: wiring only."""

from __future__ import annotations

from flask import Flask

from fieldbook_shared.web import create_service_app

from .api import contracts, intervals, plans, reminders, timeline
from .settings import ServicingSettings, load_settings
from .uow import ServicingUnitOfWork


def create_app(settings: ServicingSettings | None = None) -> Flask:
    return create_service_app(
        settings or load_settings(),
        title="Fieldbook servicing",
        blueprints=[
            reminders.blp,
            intervals.blp,
            plans.blp,
            contracts.customer_contracts,
            contracts.blp,
            timeline.blp,
        ],
        uow_class=ServicingUnitOfWork,
    )
