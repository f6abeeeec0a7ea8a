"""The billing worker process: outbox relay + event consumer. Run as `python -m billing.worker`."""

from __future__ import annotations

import sys

from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import create_engine, session_factory
from fieldbook_shared.messaging.worker import run_worker
from fieldbook_shared.observability import configure_logging

from .handlers import HANDLERS
from .settings import load_settings
from .uow import BillingUnitOfWork


def main() -> int:
    settings = load_settings()
    configure_logging(f"{settings.service}-worker", settings.log_level)
    sessions = session_factory(create_engine(settings.database_url))

    def uow_factory(context: RequestContext) -> BillingUnitOfWork:
        return BillingUnitOfWork(sessions, context, settings.service)

    return run_worker(settings, sessions, uow_factory, HANDLERS)


if __name__ == "__main__":
    sys.exit(main())
