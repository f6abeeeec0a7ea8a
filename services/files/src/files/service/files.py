"""The use cases of files: upload, list, read, download, delete; and what becomes of a customer's
files when its record is merged, deleted or erased (called by handlers.py).

Bytes and rows: an upload stores the bytes first, then commits the row and its `file.uploaded` in
one transaction (a failed commit removes the bytes again). A removal records `file.deleted`,
deletes the row, removes the bytes, then commits: the bytes never outlive a committed removal (an
erasure must not leave them behind); a commit that fails after the bytes went leaves a row whose
download answers 404, and the delete (or the redelivered event) is simply done again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator

from fieldbook_shared.db import new_id, utcnow
from fieldbook_shared.problems import DomainError, NotFound, ValidationFailed

from ..domain import content, owners
from ..store.blobs import BlobMissing
from ..store.models import StoredFile
from ..uow import FilesUnitOfWork
from .owners import OwnerLookup, owning_customer

log = logging.getLogger("fieldbook.files")


class FileTooLarge(DomainError):
    status = 413


def upload(
    uow: FilesUnitOfWork,
    lookup: OwnerLookup,
    attached_to: str,
    owner_id: str,
    filename: str | None,
    data: bytes,
    max_bytes: int,
) -> StoredFile:
    """Keep `data` as a file on the owner: its type from its bytes, within the size limit."""
    if len(data) > max_bytes:
        raise FileTooLarge(
            f"The file is {len(data)} bytes; at most {max_bytes} are accepted.", max_bytes=max_bytes
        )
    try:
        name = content.clean_filename(filename)
        kind = content.recognise(data, name)
    except content.Refused as refused:
        raise ValidationFailed({"file": [refused.reason]}) from None
    with uow:
        customer_id, work_address_id = owning_customer(uow, lookup, attached_to, owner_id)
        row = StoredFile(
            id=new_id(),
            tenant_id=uow.tenant_id,
            customer_id=customer_id,
            attached_to=attached_to,
            owner_id=str(owner_id),
            work_address_id=work_address_id,
            filename=name,
            media_type=kind.media_type,
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=uow.context.actor,
            created_at=utcnow(),
        )
        row.storage_key = owners.storage_key(uow.tenant_id, row.id)
        uow.blobs.put(row.storage_key, data, kind.media_type)
        try:
            uow.files.add(row)
            row.record("file.uploaded")
            uow.commit()
        except BaseException:
            _forget_bytes(uow, row.storage_key)
            raise
        return row


def _forget_bytes(uow: FilesUnitOfWork, key: str) -> None:
    """The bytes of an upload that did not commit: removed if the store lets us (else left over,
    unreferenced: the row never committed)."""
    try:
        uow.blobs.remove(key)
    except Exception:  # the upload's own error is the one to answer
        log.warning("could not remove the bytes of an upload that failed: %s", key)


def list_files(
    uow: FilesUnitOfWork,
    lookup: OwnerLookup,
    attached_to: str,
    owner_id: str,
    page: int,
    page_size: int,
    only: str | None = None,
) -> tuple[list[StoredFile], int]:
    """The owner's files, newest first (404 when the owner is not this tenant's). A customer's list
    holds every file on its record, `only` narrowing it to one kind of owner."""
    with uow:
        customer_id, _ = owning_customer(uow, lookup, attached_to, owner_id)
        if attached_to == owners.CUSTOMER:
            return uow.files.page_of_customer(customer_id, only, page, page_size)
        return uow.files.page_of_owner(attached_to, owner_id, page, page_size)


def get_file(uow: FilesUnitOfWork, file_id: str) -> StoredFile:
    with uow:
        return uow.files.get(file_id)


def content_of(uow: FilesUnitOfWork, file_id: str) -> tuple[StoredFile, Iterator[bytes]]:
    """The file and its bytes, a chunk at a time; 404 when its bytes are gone."""
    with uow:
        row = uow.files.get(file_id)
        try:
            return row, uow.blobs.chunks(row.storage_key)
        except BlobMissing:
            raise NotFound("That file's content is no longer stored.") from None


def delete_file(uow: FilesUnitOfWork, file_id: str) -> None:
    with uow:
        _remove(uow, uow.files.get(file_id, for_update=True), "deleted")
        uow.commit()


def _remove(uow: FilesUnitOfWork, row: StoredFile, reason: str) -> None:
    row.record("file.deleted", reason=reason)
    uow.collect()  # the event carries the file as it was
    uow.session.delete(row)
    uow.session.flush()
    uow.blobs.remove(row.storage_key)


# --- following customers' records (called by the event handlers) -----------------------------


def move_merged_customers_files(uow: FilesUnitOfWork, survivor_id: str, merged_id: str) -> int:
    """customer.merged: the merged customer's files are on the survivor's record now; those on the
    customer itself hang on the survivor. (Files on its work addresses, jobs and assets stay on
    those, which move to the survivor in their own services.)"""
    if survivor_id == merged_id:
        return 0
    rows = uow.files.of_customer(merged_id)
    for row in rows:
        row.customer_id = survivor_id
        if row.attached_to == owners.CUSTOMER and row.owner_id == merged_id:
            row.owner_id = survivor_id
    return len(rows)


def remove_customers_files(uow: FilesUnitOfWork, customer_id: str, reason: str) -> int:
    """customer.deleted / customer.erased: every file on the record goes, bytes included."""
    rows = uow.files.of_customer(customer_id)
    for row in rows:
        _remove(uow, row, reason)
    return len(rows)


def remove_owners_files(uow: FilesUnitOfWork, attached_to: str, owner_id: str) -> int:
    """The record a file hangs on was deleted (asset.deleted): its files go with it."""
    rows = uow.files.of_owner(attached_to, owner_id)
    for row in rows:
        _remove(uow, row, "owner_deleted")
    return len(rows)
