"""The billing worker process: outbox relay + event consumer + the recurring invoices' loop (each
due period's invoice raised once: service/recurring_invoices.py). Run as `python -m billing.worker`."""

from __future__ import annotations

import logging
import sys
from datetime import timedelta
from functools import partial

from fieldbook_shared.jobs import poll_loop
from fieldbook_shared.messaging import worker

from . import customers_client
from .handlers import HANDLERS
from .service.recurring_invoices import raise_next_due
from .settings import BillingSettings, load_settings
from .uow import BillingUnitOfWork

log = logging.getLogger("fieldbook.billing.worker")


def loops(w: worker.Worker) -> worker.Loops:
    settings: BillingSettings = w.settings  # type: ignore[assignment]
    step = partial(
        raise_next_due, w.sessions, w.uow_factory, timedelta(seconds=settings.recurring_retry_seconds)
    )
    return {
        "recurring-invoices": poll_loop(
            "recurring invoices", lambda _stop: step(), settings.recurring_poll_seconds, log, error_wait=5.0
        )
    }


def main() -> int:
    settings = load_settings()
    customers_client.configure(settings)
    return worker.main(settings, BillingUnitOfWork, HANDLERS, loops=loops)


if __name__ == "__main__":
    sys.exit(main())
