"""The assets worker process: outbox relay + event consumer. Run as `python -m assets.worker`."""

from __future__ import annotations

import sys

from fieldbook_shared.messaging import worker

from .handlers import HANDLERS
from .settings import load_settings
from .uow import AssetsUnitOfWork


def main() -> int:
    return worker.main(load_settings(), AssetsUnitOfWork, HANDLERS)


if __name__ == "__main__":
    sys.exit(main())
