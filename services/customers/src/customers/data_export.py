"""Export of all customer data: a ZIP with one CSV per kind of record, from every service.

POST /v1/exports {"kind": "all"} queues an export (`start`); the worker's export loop claims it
(`claim`, as the import loop does) and `ExportJob` pulls every part page by page — customers,
contacts, branches, work addresses from this service's own database, the rest from the service
that owns it over internal HTTP (`GET /v1/exports/parts/<kind>`, internal token + tenant, a
timeout and retries) — writing each page into the ZIP as it comes. The ZIP is streamed into
`export_chunks` (~1 MiB each: web and worker share no disk) and never held whole in memory.
Progress (rows so far per part) moves after every page. A worker that dies mid-way leaves a stale
heartbeat: the export is claimed again and rebuilt from the start.
"""

from __future__ import annotations

import csv
import io
import logging
import time
import urllib.parse
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from fieldbook_shared.db import new_id, utcnow
from fieldbook_shared.export_parts import Part, read_page
from fieldbook_shared.internal_client import InternalClient, UpstreamUnavailable
from fieldbook_shared.jobs import claim_queued, poll_loop
from fieldbook_shared.problems import NotFound, ValidationFailed

from .settings import SERVICE, CustomersSettings
from .store.models import Branch, Contact, Customer, Export, ExportChunk, WorkAddress
from .uow import CustomersUnitOfWork

log = logging.getLogger("customers.exports")

CHUNK_SIZE = 1024 * 1024
PAGE_SIZE = 500
KINDS = ("all",)

_ADDRESS = ("address_line_1", "address_line_2", "address_line_3", "town", "county", "postcode")
LOCAL_PARTS: dict[str, Part] = {
    "customers": Part(
        Customer,
        (
            "id",
            "type",
            "title",
            "first_name",
            "surname",
            "company_name",
            "display_name",
            "business_type",
            *_ADDRESS,
            "email",
            "phone",
            "status",
            "blocked",
            "block_reason",
            "credit_limit",
            "payment_terms_days",
            "account_manager",
            "advertising_source",
            "price_book",
            "custom_fields",
            "communication_preferences",
            "accounts_ref",
            "accounts_balance",
            "erased_at",
            "created_at",
            "updated_at",
        ),
        where=lambda m: m.merged_into_id.is_(None),
    ),
    "contacts": Part(
        Contact,
        (
            "id",
            "customer_id",
            "title",
            "first_name",
            "surname",
            "position",
            "phones",
            "email",
            "urls",
            "is_primary",
            "archived",
            "communication_preferences",
            "created_at",
            "updated_at",
        ),
    ),
    "branches": Part(
        Branch,
        (
            "id",
            "customer_id",
            "name",
            "code",
            *_ADDRESS,
            "phones",
            "emails",
            "default_contact_id",
            "created_at",
        ),
    ),
    "work_addresses": Part(
        WorkAddress,
        (
            "id",
            "customer_id",
            "name",
            *_ADDRESS,
            "status",
            "landlord",
            "occupier",
            "communication_preferences",
            "created_at",
            "updated_at",
        ),
    ),
}
# every kind of record, in the ZIP's order, and the service that owns it
PLAN: tuple[tuple[str, str], ...] = (
    ("customers", "customers"),
    ("contacts", "customers"),
    ("branches", "customers"),
    ("work_addresses", "customers"),
    ("assets", "assets"),
    ("notes", "comms"),
    ("communications", "comms"),
    ("quotes", "billing"),
    ("jobs", "billing"),
    ("invoices", "billing"),
    ("credit_notes", "billing"),
    ("payments", "billing"),
)


class PartUnavailable(RuntimeError):
    """A service did not give its part after every retry."""


# --- web side --------------------------------------------------------------------------------


def start(uow: CustomersUnitOfWork, kind: str) -> Export:
    if kind not in KINDS:
        raise ValidationFailed({"kind": [f"Must be one of: {', '.join(KINDS)}."]})
    with uow:
        export = Export(
            id=new_id(),
            tenant_id=uow.tenant_id,
            kind=kind,
            status="queued",
            progress={part: {"service": service, "status": "pending", "rows": 0} for part, service in PLAN},
            created_by=uow.context.actor,
        )
        uow.session.add(export)
        uow.commit()
        return export


def get(uow: CustomersUnitOfWork, export_id: str) -> Export:
    with uow:
        export = uow.session.scalar(
            select(Export).where(Export.id == str(export_id), Export.tenant_id == uow.tenant_id)
        )
        if export is None:
            raise NotFound("No export with that id.")
        return export


def chunks(sessions: sessionmaker[Session], export: Export) -> Iterator[bytes]:
    """The finished ZIP, chunk by chunk, each read by its own short query."""
    for seq in range(export.chunk_count):
        with sessions() as session:
            data = session.scalar(
                select(ExportChunk.data).where(ExportChunk.export_id == export.id, ExportChunk.seq == seq)
            )
        if data is None:  # the export was removed while it was being downloaded
            return
        yield bytes(data)


# --- the worker's job ------------------------------------------------------------------------


class ChunkWriter(io.RawIOBase):
    """A write-only, non-seekable stream that stores what it is given as numbered chunks."""

    def __init__(self, sessions: sessionmaker[Session], export_id: str, tenant_id: str):
        super().__init__()
        self.sessions, self.export_id, self.tenant_id = sessions, export_id, tenant_id
        self.buffer = bytearray()
        self.position = 0
        self.seq = 0

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def write(self, data) -> int:
        self.buffer.extend(data)
        self.position += len(data)
        while len(self.buffer) >= CHUNK_SIZE:
            self._store(bytes(self.buffer[:CHUNK_SIZE]))
            del self.buffer[:CHUNK_SIZE]
        return len(data)

    def finish(self) -> None:
        if self.buffer:
            self._store(bytes(self.buffer))
            self.buffer.clear()

    def _store(self, piece: bytes) -> None:
        with self.sessions() as session, session.begin():
            session.add(
                ExportChunk(export_id=self.export_id, seq=self.seq, tenant_id=self.tenant_id, data=piece)
            )
        self.seq += 1


def fetch_remote(
    base_url: str,
    kind: str,
    after: str | None,
    *,
    tenant_id: str,
    token: str,
    actor: str,
    timeout: float,
    attempts: int = 4,
    sleep: Callable[[float], None] = time.sleep,
) -> dict:
    """One page of another service's part, with a timeout and retries on errors worth retrying."""
    query = {"limit": PAGE_SIZE, **({"after": after} if after else {})}
    path = f"/v1/exports/parts/{kind}?{urllib.parse.urlencode(query)}"
    client = InternalClient(kind, base_url, token, timeout, service=SERVICE)
    last = "no attempt"
    for attempt in range(attempts):
        if attempt:
            sleep(min(8.0, 0.5 * 2**attempt))
        try:
            resp = client.get(tenant_id, path, actor=actor)
        except UpstreamUnavailable as exc:
            last = f"{type(exc.__cause__).__name__}: {exc.__cause__}"
            continue
        if resp.status_code == 200:
            try:
                return resp.json()
            except ValueError as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
        last = f"{resp.status_code} {resp.content[:200]!r}"
        if resp.status_code < 500 and resp.status_code != 429:
            break  # a refusal: retrying will not change it
    raise PartUnavailable(f"{kind}: {last}")


class ExportJob:
    def __init__(self, sessions: sessionmaker[Session], settings: CustomersSettings, export_id: str):
        self.sessions = sessions
        self.settings = settings
        self.export_id = export_id
        self.urls = settings.service_urls
        self.timeout = settings.internal_timeout_seconds

    def run(self) -> str:
        with self.sessions() as session:
            export = session.get(Export, self.export_id)
            session.expunge(export)
        tenant, actor = export.tenant_id, f"export:{export.created_by}"
        progress = {part: {"service": service, "status": "pending", "rows": 0} for part, service in PLAN}
        with self.sessions() as session, session.begin():  # a resumed export starts again
            session.execute(delete(ExportChunk).where(ExportChunk.export_id == export.id))
        writer = ChunkWriter(self.sessions, export.id, tenant)
        started = time.monotonic()
        try:
            with zipfile.ZipFile(writer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for part, service in PLAN:
                    progress[part]["status"] = "running"
                    self._progress(progress)
                    with zf.open(f"{part}.csv", "w", force_zip64=True) as entry:
                        text = io.TextIOWrapper(entry, encoding="utf-8", newline="")
                        out = csv.writer(text)
                        for number, page in enumerate(self._pages(part, service, tenant, actor)):
                            if number == 0:
                                out.writerow(page["columns"])
                            out.writerows(page["rows"])
                            progress[part]["rows"] += len(page["rows"])
                            self._progress(progress)
                        text.flush()
                        text.detach()
                    progress[part]["status"] = "done"
                    self._progress(progress)
            writer.finish()
        except Exception as exc:
            log.exception("export %s failed", export.id, extra={"tenant_id": tenant})
            self._finish("failed", progress, writer, error=str(exc)[:2000])
            return "failed"
        self._finish("completed", progress, writer)
        log.info(
            "export %s completed: %d rows in %.1fs",
            export.id,
            sum(p["rows"] for p in progress.values()),
            time.monotonic() - started,
            extra={"tenant_id": tenant},
        )
        return "completed"

    def _pages(self, part: str, service: str, tenant: str, actor: str) -> Iterator[dict]:
        after = None
        while True:
            if service == "customers":
                with self.sessions() as session:
                    page = read_page(session, tenant, LOCAL_PARTS[part], after, PAGE_SIZE)
            else:
                url = self.urls.get(service)
                if not url:
                    raise PartUnavailable(f"{part}: no URL configured for {service}")
                page = fetch_remote(
                    url,
                    part,
                    after,
                    tenant_id=tenant,
                    token=self.settings.internal_token,
                    actor=actor,
                    timeout=self.timeout,
                )
            yield page
            after = page.get("next_after")
            if not after:
                return

    def _progress(self, progress: dict) -> None:
        with self.sessions() as session, session.begin():
            session.execute(
                update(Export)
                .where(Export.id == self.export_id)
                .values(progress=_copy(progress), heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )

    def _finish(self, status: str, progress: dict, writer: ChunkWriter, error: str | None = None) -> None:
        with self.sessions() as session, session.begin():
            session.execute(
                update(Export)
                .where(Export.id == self.export_id)
                .values(
                    status=status,
                    progress=_copy(progress),
                    error=error,
                    size_bytes=writer.position if status == "completed" else 0,
                    chunk_count=writer.seq if status == "completed" else 0,
                    finished_at=utcnow(),
                    heartbeat_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
            if status != "completed":
                session.execute(delete(ExportChunk).where(ExportChunk.export_id == self.export_id))


def _copy(progress: dict) -> dict:
    return {part: dict(state) for part, state in progress.items()}


def claim(sessions: sessionmaker[Session], stale_after: timedelta) -> str | None:
    """Take the oldest queued export (or a running one whose worker died)."""
    return claim_queued(sessions, Export, stale_after, order_by=(Export.created_at, Export.id))


def run_next(sessions: sessionmaker[Session], settings: CustomersSettings) -> str | None:
    stale = settings.export_stale_seconds
    export_id = claim(sessions, timedelta(seconds=stale))
    if export_id is None:
        return None
    return ExportJob(sessions, settings, export_id).run()


def export_loop(settings: CustomersSettings, sessions: sessionmaker[Session]):
    """The worker's extra loop: build queued exports one after another."""
    poll = settings.import_poll_seconds
    return poll_loop("export loop", lambda stop: run_next(sessions, settings), poll, log, error_wait=5 * poll)
