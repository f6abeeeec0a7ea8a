"""The files service's app factory: wiring only."""

from __future__ import annotations

from flask import Flask

from fieldbook_shared.web import create_service_app

from .api import files, timeline
from .owners_client import OwnersClient
from .settings import FilesSettings, load_settings, open_store
from .uow import FilesUnitOfWork


def create_app(settings: FilesSettings | None = None) -> Flask:
    settings = settings or load_settings()
    app = create_service_app(
        settings,
        title="Fieldbook files",
        blueprints=[*files.OWNER_BLUEPRINTS, files.files, timeline.blp],
        uow_class=FilesUnitOfWork.bound_to(open_store(settings)),
    )
    app.extensions[files.LOOKUP_EXTENSION] = OwnersClient(settings)
    return app
