"""Use cases of the CSV import on the web side: upload, map, read progress and the row report."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, func, select

from fieldbook_shared.db import new_id, utcnow
from fieldbook_shared.problems import Conflict, NotFound, ValidationFailed

from ..domain import imports as rules
from ..store.models import Import, ImportIssue
from ..uow import CustomersUnitOfWork
from . import files

SAMPLE_ROWS = 5
MAPPABLE_STATUSES = ("uploaded", "completed", "failed")


def _get(uow: CustomersUnitOfWork, import_id: str, for_update: bool = False) -> Import:
    stmt = select(Import).where(Import.id == str(import_id), Import.tenant_id == uow.tenant_id)
    if for_update:
        stmt = stmt.with_for_update()
    imp = uow.session.scalar(stmt)
    if imp is None:
        raise NotFound("No import with that id.")
    return imp


def upload(uow: CustomersUnitOfWork, kind: str, filename: str | None, read: Callable[[int], bytes]) -> Import:
    """Store the file in chunks, read its header, count its rows, keep 5 samples, suggest a mapping.

    Nothing is kept when the file cannot be read (422).
    """
    if kind not in rules.KINDS:
        raise ValidationFailed({"kind": [f"Must be one of: {', '.join(rules.KINDS)}."]})
    with uow:
        imp = Import(
            id=new_id(),
            tenant_id=uow.tenant_id,
            kind=kind,
            status="uploaded",
            filename=(filename or None) and filename[:255],
            created_by=uow.context.actor,
        )
        uow.session.add(imp)
        uow.session.flush()
        head = files.store_chunks(uow.session, imp, read)
        if imp.size_bytes == 0:
            raise ValidationFailed({"file": ["The file is empty."]})
        imp.delimiter = files.sniff_delimiter(head, imp.encoding)
        try:
            rows = files.open_rows(
                files.session_chunks(uow.session, imp.id, imp.chunk_count), imp.encoding, imp.delimiter
            )
            samples, total = [], 0
            for _number, row in rows:
                total += 1
                if len(samples) < SAMPLE_ROWS:
                    samples.append(row[: len(rows.columns)])
        except files.UnreadableFile as exc:
            raise ValidationFailed({"file": [str(exc)]}) from None
        imp.columns = rows.columns
        imp.sample_rows = samples
        imp.total_rows = total
        imp.suggested_mapping = rules.suggest_mapping(kind, rows.columns)
        uow.commit()
        return imp


def set_mapping(
    uow: CustomersUnitOfWork,
    import_id: str,
    mapping: dict[str, str | None],
    match_key: str | None,
    dry_run: bool,
) -> Import:
    """Accept the column → field mapping and queue the import (again, after a dry run or a failure)."""
    with uow:
        imp = _get(uow, import_id, for_update=True)
        if imp.status not in MAPPABLE_STATUSES:
            raise Conflict(f"The import is {imp.status}; wait until it has finished before mapping it again.")
        errors = rules.mapping_errors(imp.kind, imp.columns, mapping, match_key)
        if errors:
            raise ValidationFailed(errors)
        uow.session.execute(delete(ImportIssue).where(ImportIssue.import_id == imp.id))
        imp.mapping = {c: f for c, f in mapping.items() if f}
        imp.match_key = match_key
        imp.dry_run = dry_run
        imp.status = "queued"
        imp.queued_at = utcnow()
        imp.started_at = imp.finished_at = imp.heartbeat_at = None
        imp.error = None
        imp.processed_rows = imp.created_count = imp.updated_count = imp.unchanged_count = 0
        imp.refused_count = imp.duplicate_count = 0
        uow.commit()
        return imp


def get(uow: CustomersUnitOfWork, import_id: str) -> Import:
    with uow:
        return _get(uow, import_id)


def list_imports(uow: CustomersUnitOfWork, page: int, page_size: int) -> tuple[list[Import], int]:
    with uow:
        where = Import.tenant_id == uow.tenant_id
        total = uow.session.scalar(select(func.count()).select_from(Import).where(where)) or 0
        items = uow.session.scalars(
            select(Import)
            .where(where)
            .order_by(Import.created_at.desc(), Import.id)
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
        return list(items), total


def issues(
    uow: CustomersUnitOfWork, import_id: str, kind: str | None, page: int, page_size: int
) -> tuple[list[ImportIssue], int]:
    with uow:
        imp = _get(uow, import_id)
        where = [ImportIssue.import_id == imp.id, ImportIssue.tenant_id == uow.tenant_id]
        if kind:
            where.append(ImportIssue.kind == kind)
        total = uow.session.scalar(select(func.count()).select_from(ImportIssue).where(*where)) or 0
        items = uow.session.scalars(
            select(ImportIssue)
            .where(*where)
            .order_by(ImportIssue.row_number, ImportIssue.id)
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
        return list(items), total
