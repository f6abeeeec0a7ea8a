"""The files repository: every query filters by tenant."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldbook_shared.db import page_of
from fieldbook_shared.problems import NotFound

from .models import StoredFile


class Files:
    def __init__(self, session: Session, tenant_id: str):
        self.session = session
        self.tenant_id = tenant_id

    def get(self, file_id: str, *, for_update: bool = False) -> StoredFile:
        stmt = select(StoredFile).where(StoredFile.id == str(file_id), StoredFile.tenant_id == self.tenant_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.scalar(stmt)
        if row is None:
            raise NotFound("No file with that id.")
        return row

    def add(self, row: StoredFile) -> None:
        self.session.add(row)

    def page_of_owner(
        self, attached_to: str, owner_id: str, page: int, page_size: int
    ) -> tuple[list[StoredFile], int]:
        stmt = (
            select(StoredFile)
            .where(
                StoredFile.tenant_id == self.tenant_id,
                StoredFile.attached_to == attached_to,
                StoredFile.owner_id == str(owner_id),
            )
            .order_by(StoredFile.created_at.desc(), StoredFile.id.desc())
        )
        return page_of(self.session, stmt, page, page_size)

    def page_of_customer(
        self, customer_id: str, attached_to: str | None, page: int, page_size: int
    ) -> tuple[list[StoredFile], int]:
        """Every file on the customer's record (on it, its work addresses, jobs and assets)."""
        stmt = select(StoredFile).where(
            StoredFile.tenant_id == self.tenant_id, StoredFile.customer_id == str(customer_id)
        )
        if attached_to:
            stmt = stmt.where(StoredFile.attached_to == attached_to)
        stmt = stmt.order_by(StoredFile.created_at.desc(), StoredFile.id.desc())
        return page_of(self.session, stmt, page, page_size)

    def of_customer(self, customer_id: str) -> list[StoredFile]:
        return list(
            self.session.scalars(
                select(StoredFile).where(
                    StoredFile.tenant_id == self.tenant_id, StoredFile.customer_id == str(customer_id)
                )
            )
        )

    def of_owner(self, attached_to: str, owner_id: str) -> list[StoredFile]:
        return list(
            self.session.scalars(
                select(StoredFile).where(
                    StoredFile.tenant_id == self.tenant_id,
                    StoredFile.attached_to == attached_to,
                    StoredFile.owner_id == str(owner_id),
                )
            )
        )
