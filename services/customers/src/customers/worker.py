"""The customers worker process: outbox relay + event consumer. Run as `python -m customers.worker`."""

from __future__ import annotations

import sys

from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import create_engine, session_factory
from fieldbook_shared.messaging.worker import run_worker
from fieldbook_shared.observability import configure_logging

from .data_export import export_loop
from .handlers import HANDLERS
from .imports.job import import_loop
from .settings import load_settings
from .uow import CustomersUnitOfWork


def main() -> int:
    settings = load_settings()
    configure_logging(f"{settings.service}-worker", settings.log_level)
    sessions = session_factory(create_engine(settings.database_url))

    def uow_factory(context: RequestContext) -> CustomersUnitOfWork:
        return CustomersUnitOfWork(sessions, context, settings.service)

    return run_worker(
        settings,
        sessions,
        uow_factory,
        HANDLERS,
        extra_loops={"imports": import_loop(settings, sessions), "exports": export_loop(settings, sessions)},
    )


if __name__ == "__main__":
    sys.exit(main())
