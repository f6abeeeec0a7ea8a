"""The files repository: every query filters by tenant (the kit's `Repository.select`)."""

from __future__ import annotations

from sqlalchemy import Select

from fieldbook_shared.db import page_of
from fieldbook_shared.uow import Repository

from .models import StoredFile

LATEST_FIRST = (StoredFile.created_at.desc(), StoredFile.id.desc())


class Files(Repository):
    def get(self, file_id: str, *, for_update: bool = False) -> StoredFile:
        return self.get_one(
            StoredFile, StoredFile.id == str(file_id), missing="No file with that id.", lock=for_update
        )

    def _of_owner(self, attached_to: str, owner_id: str) -> Select:
        return self.select(
            StoredFile, StoredFile.attached_to == attached_to, StoredFile.owner_id == str(owner_id)
        )

    def _of_customer(self, customer_id: str) -> Select:
        return self.select(StoredFile, StoredFile.customer_id == str(customer_id))

    def page_of_owner(
        self, attached_to: str, owner_id: str, page: int, page_size: int
    ) -> tuple[list[StoredFile], int]:
        return page_of(
            self.session, self._of_owner(attached_to, owner_id).order_by(*LATEST_FIRST), page, page_size
        )

    def page_of_customer(
        self, customer_id: str, attached_to: str | None, page: int, page_size: int
    ) -> tuple[list[StoredFile], int]:
        """Every file on the customer's record (on it, its work addresses, jobs and assets)."""
        stmt = self._of_customer(customer_id)
        if attached_to:
            stmt = stmt.where(StoredFile.attached_to == attached_to)
        return page_of(self.session, stmt.order_by(*LATEST_FIRST), page, page_size)

    def of_customer(self, customer_id: str) -> list[StoredFile]:
        return list(self.session.scalars(self._of_customer(customer_id)))

    def of_owner(self, attached_to: str, owner_id: str) -> list[StoredFile]:
        return list(self.session.scalars(self._of_owner(attached_to, owner_id)))
