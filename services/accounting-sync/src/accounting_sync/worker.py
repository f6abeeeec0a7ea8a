"""The accounting-sync worker process: outbox relay + event consumer (the kit's), plus the sync
loop(s) and the balance poller. Run as `python -m accounting_sync.worker`."""

from __future__ import annotations

import sys

from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import create_engine, session_factory
from fieldbook_shared.messaging.worker import run_worker
from fieldbook_shared.observability import configure_logging

from .balances import BalancePoller
from .handlers import HANDLERS
from .sage import SageAccounting
from .settings import SyncSettings, load_settings
from .sync import SyncEngine
from .uow import SyncUnitOfWork


def main() -> int:
    settings = load_settings()
    sync_settings = SyncSettings.from_env()
    configure_logging(f"{settings.service}-worker", settings.log_level)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)

    def uow_factory(context: RequestContext) -> SyncUnitOfWork:
        return SyncUnitOfWork(sessions, context, settings.service)

    sage = SageAccounting(sync_settings, sessions)
    sync = SyncEngine(sync_settings, sessions, sage, uow_factory)
    # SQLite has no SKIP LOCKED and one writer at a time: one loop there
    threads = max(1, sync_settings.sync_threads) if engine.dialect.name == "postgresql" else 1
    loops = {f"sync-{i + 1}": sync.run for i in range(threads)}
    loops["balances"] = BalancePoller(sync_settings, sessions, sage, uow_factory).run
    return run_worker(settings, sessions, uow_factory, HANDLERS, extra_loops=loops)


if __name__ == "__main__":
    sys.exit(main())
