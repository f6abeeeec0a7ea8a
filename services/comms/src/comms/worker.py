"""The comms worker process: outbox relay + event consumer + SMTP sender + mass-email jobs.

Run as `python -m comms.worker`.
"""

from __future__ import annotations

import sys

from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import create_engine, session_factory
from fieldbook_shared.messaging.worker import run_worker
from fieldbook_shared.observability import configure_logging

from .app import uow_class_for
from .clients import CustomersClient
from .handlers import HANDLERS
from .sending import MassEmailRunner, Sender
from .settings import load_settings


def main() -> int:
    settings = load_settings()
    configure_logging(f"{settings.service}-worker", settings.log_level)
    sessions = session_factory(create_engine(settings.database_url))
    uow_class = uow_class_for(CustomersClient.from_settings(settings))

    def uow_factory(context: RequestContext):
        return uow_class(sessions, context, settings.service)

    return run_worker(
        settings,
        sessions,
        uow_factory,
        HANDLERS,
        extra_loops={
            "sender": Sender(settings, sessions, uow_factory).run,
            "mass-email": MassEmailRunner(settings, sessions, uow_factory).run,
        },
    )


if __name__ == "__main__":
    sys.exit(main())
