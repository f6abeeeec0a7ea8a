"""The accounting-sync worker process: outbox relay + event consumer (the kit's), plus the sync
loop(s) and the balance poller. Run as `python -m accounting_sync.worker`."""

from __future__ import annotations

import sys

from fieldbook_shared.messaging import worker

from .balances import BalancePoller
from .handlers import HANDLERS
from .postings import PostingEngine
from .sage import SageAccounting
from .settings import load_settings
from .sync import SyncEngine
from .uow import SyncUnitOfWork


def _loops(w: worker.Worker) -> worker.Loops:
    sync_settings = w.settings
    sage = SageAccounting(sync_settings, w.sessions)
    sync = SyncEngine(sync_settings, w.sessions, sage, w.uow_factory)
    # SQLite has no SKIP LOCKED and one writer at a time: one loop there
    threads = max(1, sync_settings.sync_threads) if w.engine.dialect.name == "postgresql" else 1
    loops = {f"sync-{i + 1}": sync.run for i in range(threads)}
    posting = PostingEngine(sync_settings, w.sessions, sage, w.uow_factory)
    loops.update({f"postings-{i + 1}": posting.run for i in range(threads)})
    loops["balances"] = BalancePoller(sync_settings, w.sessions, sage, w.uow_factory).run
    return loops


def main() -> int:
    return worker.main(load_settings(), SyncUnitOfWork, HANDLERS, loops=_loops)


if __name__ == "__main__":
    sys.exit(main())
