"""The files service's unit of work: the kit's, with the files repository and the blob store.

The store is chosen by settings once per process (`settings.open_store`); `bound_to(store)` gives
the unit-of-work class the app and the worker use, so a use case and an event handler reach the
same bytes (`uow.blobs`).
"""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy.orm import Session

from fieldbook_shared.uow import UnitOfWork

from .store.blobs import BlobStore
from .store.queries import Files


class FilesUnitOfWork(UnitOfWork):
    files: Files
    blobs: ClassVar[BlobStore]

    def open_repositories(self, session: Session) -> None:
        self.files = Files(session, self.tenant_id)

    @classmethod
    def bound_to(cls, store: BlobStore) -> type[FilesUnitOfWork]:
        return type(cls.__name__, (cls,), {"blobs": store})
