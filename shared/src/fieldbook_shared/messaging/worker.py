"""The worker process: the outbox relay and the event consumer, each on its own thread and connection.

A service's `worker.py` is `main` with its settings, its unit of work, its handlers and its own
loops, if any:

    sys.exit(main(load_settings(), CustomersUnitOfWork, HANDLERS, loops=lambda w: {...}))
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import start_http_server
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .. import clock
from ..context import RequestContext
from ..db import create_engine, session_factory
from ..observability import configure_logging
from ..settings import Settings
from ..uow import UnitOfWork, UnitOfWorkFactory
from .consumer import Consumer, Handlers
from .relay import OutboxRelay

log = logging.getLogger("fieldbook.worker")

Loops = dict[str, Callable[[threading.Event], None]]


@dataclass(frozen=True)
class Worker:
    """What a service's own loops are built from."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    uow_factory: UnitOfWorkFactory


def main(
    settings: Settings,
    unit_of_work: Callable[[sessionmaker[Session], RequestContext, str], UnitOfWork],
    handlers: Handlers,
    *,
    loops: Callable[[Worker], Loops] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """The body of `python -m <package>.worker`: logging, the database, the unit of work (the
    service's class, called as `unit_of_work(sessions, context, service)`), then `run_worker` with
    the loops `loops(worker)` gives, if any."""
    configure_logging(f"{settings.service}-worker", settings.log_level)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    clock.install(settings)

    def uow_factory(context: RequestContext) -> UnitOfWork:
        return unit_of_work(sessions, context, settings.service)

    extra = loops(Worker(settings, engine, sessions, uow_factory)) if loops else None
    return run_worker(settings, sessions, uow_factory, handlers, stop=stop, extra_loops=extra)


def run_worker(
    settings: Settings,
    sessions: sessionmaker[Session],
    uow_factory: UnitOfWorkFactory,
    handlers: Handlers,
    *,
    stop: threading.Event | None = None,
    extra_loops: Loops | None = None,
) -> int:
    """Run relay (+ consumer when there are handlers) until SIGTERM/SIGINT or `stop`; return an exit code.

    Both loops reconnect on their own; if one of them dies anyway the worker stops and returns 1,
    so the process supervisor restarts it rather than leaving half a worker running.

    `extra_loops` are a service's own background loops (a sync loop, a mail sender), each
    `run(stop)` on its own thread, stopped and supervised like the relay and the consumer.
    With `WORKER_METRICS_PORT` set, the worker serves its Prometheus metrics on that port.
    """
    stop = stop or threading.Event()
    loops = {"relay": OutboxRelay(settings, sessions).run}
    if handlers:
        loops["consumer"] = Consumer(settings, uow_factory, handlers).run
    loops.update(extra_loops or {})
    metrics_port = os.environ.get("WORKER_METRICS_PORT")
    if metrics_port:
        start_http_server(int(metrics_port), addr=os.environ.get("WORKER_METRICS_ADDR", "127.0.0.1"))
    threads = [
        threading.Thread(target=run, args=(stop,), name=f"{settings.service}-{name}", daemon=True)
        for name, run in loops.items()
    ]

    # The handler only records the signal: setting the Event from a signal handler could deadlock
    # on the Event's own lock if the signal lands while the main thread is inside `stop.wait()`.
    signalled: list[int] = []
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda signum, _frame: signalled.append(signum))

    log.info("worker for %s starting: %s", settings.service, ", ".join(loops))
    for thread in threads:
        thread.start()
    exit_code = 0
    try:
        while not stop.wait(0.5):
            if signalled:
                log.info("worker received %s; stopping", signal.Signals(signalled[0]).name)
                break
            dead = [t.name for t in threads if not t.is_alive()]
            if dead:
                log.error("worker thread(s) %s ended unexpectedly; stopping", ", ".join(dead))
                exit_code = 1
                break
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
            if thread.is_alive():
                log.error("worker thread %s did not stop within 30 s", thread.name)
                exit_code = 1
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.info("worker for %s stopped", settings.service)
    return exit_code
