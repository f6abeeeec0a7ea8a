"""The billing worker process: outbox relay + event consumer. Run as `python -m billing.worker`."""

from __future__ import annotations

import sys

from fieldbook_shared.messaging import worker

from .handlers import HANDLERS
from .settings import load_settings
from .uow import BillingUnitOfWork


def main() -> int:
    return worker.main(load_settings(), BillingUnitOfWork, HANDLERS)


if __name__ == "__main__":
    sys.exit(main())
