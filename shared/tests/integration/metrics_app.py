"""A tiny kit app for gunicorn in `test_metrics_under_gunicorn.py`: `/v1/pid` answers the worker's pid."""

from __future__ import annotations

import os

from fieldbook_shared.settings import Settings
from fieldbook_shared.web import create_service_app


def create():
    settings = Settings(
        service="metrics-probe",
        database_url=os.environ["DATABASE_URL"],
        testing=True,
        log_level="WARNING",
    )
    app = create_service_app(settings, title="Metrics probe", blueprints=[])

    @app.get("/v1/pid")
    def pid():
        return {"pid": os.getpid()}

    return app
