"""The import job in the customers worker: claim a queued import, stream its rows, run batches.

Claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL (several workers never take the same import)
and a conditional UPDATE everywhere. Every batch commits its customers, their events (outbox) and
the import's progress together; the progress UPDATE is conditional on the rows processed so far,
so a worker that lost the import to another (after a stall) rolls its batch back and stops.
A stopped worker hands its import back to the queue; one that died is resumed once its heartbeat
is older than `stale_after`, from the last committed batch.

A batch that meets a transient database error (a deadlock with the consumer writing accounts refs
to the same customers, a dropped connection) is rolled back and run again, the processor's memory
of the file's keys put back as it was before the batch, so the import does not fail on it.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import is_transient_database_error, utcnow
from fieldbook_shared.jobs import claim_queued, poll_loop

from ..settings import CustomersSettings
from ..store.models import Import, ImportIssue
from ..uow import CustomersUnitOfWork
from . import files
from .rows import CustomerRows, Outcome
from .sites import WorkAddressRows

log = logging.getLogger("customers.imports")

DEFAULT_BATCH_SIZE = 500
DEFAULT_SITE_BATCH_SIZE = 10_000  # settings.import_site_batch_size says why
BATCH_TRIES = 5  # a batch's tries on transient database errors before the import fails


class LostClaim(RuntimeError):
    """Another worker took the import over; this one stops without writing."""


def claim(sessions: sessionmaker[Session], stale_after: timedelta) -> str | None:
    """Take the oldest queued import (or a running one whose worker died); return its id."""
    return claim_queued(sessions, Import, stale_after, order_by=(Import.queued_at, Import.id))


class ImportJob:
    """One import from its claim to `completed` / `failed` (or back to `queued` on stop)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        import_id: str,
        batch_size: int = DEFAULT_BATCH_SIZE,
        source: str = "customers",
        site_batch_size: int = DEFAULT_SITE_BATCH_SIZE,
    ):
        self.sessions = sessions
        self.import_id = import_id
        self.batch_size = batch_size
        self.source = source
        self.site_batch_size = site_batch_size

    def run(self, stop: threading.Event | None = None) -> str:
        """Process the import; return its final status."""
        stop = stop or threading.Event()
        with self.sessions() as session:
            imp = session.get(Import, self.import_id)
            session.expunge(imp)
        self.done = imp.processed_rows
        context = RequestContext.system(
            imp.tenant_id, actor=f"import:{imp.created_by}", correlation_id=imp.id
        )
        self.uow = CustomersUnitOfWork(self.sessions, context, self.source)
        batch_size = self.batch_size
        if imp.kind == "customers":
            processor = CustomerRows(imp.columns, imp.mapping or {}, imp.dry_run, imp.match_key)
        else:
            processor = WorkAddressRows(imp.columns, imp.mapping or {}, imp.dry_run)
            batch_size = self.site_batch_size
        started = time.monotonic()
        try:
            rows = files.open_rows(
                files.iter_chunks(self.sessions, imp.id, imp.chunk_count), imp.encoding, imp.delimiter
            )
            if rows.columns != imp.columns:
                raise files.UnreadableFile("The stored file's header no longer matches the upload.")
            refused_before = self._refused_rows() if self.done else set()
            position, batch = 0, []
            for number, row in rows:
                position += 1
                if position <= self.done:  # resuming: committed already
                    if number not in refused_before:
                        processor.remember(number, row)
                    continue
                batch.append((number, row))
                if len(batch) >= batch_size:
                    self._commit(processor, batch, total=None)
                    batch = []
                    if stop.is_set():
                        self._requeue()
                        return "queued"
            self._commit(processor, batch, total=position, final=True)
        except LostClaim:
            log.warning("import %s was taken over by another worker; stopping", self.import_id)
            return "lost"
        except files.UnreadableFile as exc:
            self._fail(str(exc))
            return "failed"
        except Exception as exc:
            log.exception("import %s failed", self.import_id, extra={"tenant_id": imp.tenant_id})
            self._fail(
                f"The import stopped on an unexpected error ({type(exc).__name__}); it has been logged."
            )
            return "failed"
        elapsed = time.monotonic() - started
        log.info(
            "import %s completed: %d rows in %.1fs (%.0f rows/s)",
            self.import_id,
            position - (imp.processed_rows or 0),
            elapsed,
            (position - (imp.processed_rows or 0)) / elapsed if elapsed else 0,
            extra={"tenant_id": imp.tenant_id, "import_id": self.import_id},
        )
        return "completed"

    def _refused_rows(self) -> set[int]:
        with self.sessions() as session:
            return set(
                session.scalars(select(ImportIssue.row_number).where(ImportIssue.import_id == self.import_id))
            )

    def _commit(self, processor, batch: list, total: int | None, final: bool = False) -> None:
        """Commit the batch, again after a transient database error (nothing of a rolled-back try
        stays: not its rows, not the keys it taught the processor)."""
        for attempt in range(1, BATCH_TRIES + 1):
            mark = processor.keys_known()
            try:
                self._commit_once(processor, batch, total, final)
                return
            except Exception as exc:
                if attempt == BATCH_TRIES or not is_transient_database_error(exc):
                    raise
                processor.forget_keys_since(mark)
                log.warning(
                    "import %s: a batch met a transient database error (%s); try %d of %d",
                    self.import_id,
                    type(getattr(exc, "orig", exc)).__name__,
                    attempt + 1,
                    BATCH_TRIES,
                )
                time.sleep(0.2 * attempt)

    def _commit_once(self, processor, batch: list, total: int | None, final: bool) -> None:
        uow = self.uow
        with uow:
            out: Outcome = processor.apply(uow, batch) if batch else Outcome()
            for issue in out.issues:
                uow.session.add(ImportIssue(import_id=self.import_id, tenant_id=uow.tenant_id, **issue))
            values = dict(
                processed_rows=self.done + len(batch),
                created_count=Import.created_count + out.created,
                updated_count=Import.updated_count + out.updated,
                unchanged_count=Import.unchanged_count + out.unchanged,
                refused_count=Import.refused_count + out.refused,
                duplicate_count=Import.duplicate_count + out.duplicates,
                heartbeat_at=utcnow(),
            )
            if final:
                values.update(status="completed", finished_at=utcnow(), total_rows=total)
            moved = uow.session.execute(
                update(Import)
                .where(
                    Import.id == self.import_id,
                    Import.status == "running",
                    Import.processed_rows == self.done,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if moved.rowcount != 1:
                uow.rollback()
                raise LostClaim(self.import_id)
            uow.commit()
        self.done += len(batch)

    def _requeue(self) -> None:
        with self.sessions() as session, session.begin():
            session.execute(
                update(Import)
                .where(Import.id == self.import_id, Import.status == "running")
                .values(status="queued")
                .execution_options(synchronize_session=False)
            )

    def _fail(self, reason: str) -> None:
        with self.sessions() as session, session.begin():
            session.execute(
                update(Import)
                .where(Import.id == self.import_id)
                .values(status="failed", error=reason[:2000], finished_at=utcnow())
                .execution_options(synchronize_session=False)
            )


def run_next(
    sessions: sessionmaker[Session], settings: CustomersSettings, stop: threading.Event | None = None
) -> str | None:
    """Claim and run one import; None when there was nothing to do."""
    import_id = claim(sessions, timedelta(seconds=settings.import_stale_seconds))
    if import_id is None:
        return None
    return ImportJob(
        sessions, import_id, settings.import_batch_size, settings.service, settings.import_site_batch_size
    ).run(stop)


def import_loop(settings: CustomersSettings, sessions: sessionmaker[Session]):
    """The worker's extra loop: run imports one after another; poll while there are none."""
    poll = settings.import_poll_seconds
    return poll_loop(
        "import loop", lambda stop: run_next(sessions, settings, stop), poll, log, error_wait=5 * poll
    )
