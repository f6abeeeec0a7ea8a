"""The files worker process: outbox relay + event consumer. Run as `python -m files.worker`."""

from __future__ import annotations

import sys

from fieldbook_shared.messaging import worker

from .handlers import HANDLERS
from .settings import load_settings, open_store
from .uow import FilesUnitOfWork


def main() -> int:
    settings = load_settings()
    return worker.main(settings, FilesUnitOfWork.bound_to(open_store(settings)), HANDLERS)


if __name__ == "__main__":
    sys.exit(main())
