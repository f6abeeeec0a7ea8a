"""The customers worker process: outbox relay + event consumer, plus the import and export jobs.
Run as `python -m customers.worker`."""

from __future__ import annotations

import sys

from fieldbook_shared.messaging import worker

from .data_export import export_loop
from .handlers import HANDLERS
from .imports.job import import_loop
from .settings import load_settings
from .uow import CustomersUnitOfWork


def _loops(w: worker.Worker) -> worker.Loops:
    return {"imports": import_loop(w.settings, w.sessions), "exports": export_loop(w.settings, w.sessions)}


def main() -> int:
    return worker.main(load_settings(), CustomersUnitOfWork, HANDLERS, loops=_loops)


if __name__ == "__main__":
    sys.exit(main())
