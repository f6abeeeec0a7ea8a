"""Rows whose name is unique per tenant (email templates, mailing lists): the use cases they have
alike, each kind setting its own fields when it is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError

from fieldbook_shared.db import utcnow
from fieldbook_shared.etag import ExpectedVersion, at_version
from fieldbook_shared.problems import Conflict

from ..uow import CommsUnitOfWork


class NamedRows:
    """One kind of named row: its `model`, its repository in the unit of work (`rows`), what a 409
    calls it (`what`, e.g. "A template"), and how a body sets its fields (`fill(row, data)`, a
    partial body only those it names)."""

    def __init__(
        self,
        model: type,
        rows: Callable[[CommsUnitOfWork], Any],
        what: str,
        fill: Callable[[Any, dict], None],
    ):
        self.model = model
        self.rows = rows
        self.what = what
        self.fill = fill

    def page(self, uow: CommsUnitOfWork, page: int, page_size: int) -> tuple[list, int]:
        """The tenant's rows by name, paged."""
        with uow:
            return self.rows(uow).page(page, page_size)

    def get(self, uow: CommsUnitOfWork, row_id: str) -> Any:
        with uow:
            return self.rows(uow).get(row_id)

    def add(self, uow: CommsUnitOfWork, data: dict) -> Any:
        """A new row from `data`; its name taken by another row is a 409."""
        return self._save(uow, None, None, data)

    def update(self, uow: CommsUnitOfWork, row_id: str, version: ExpectedVersion, data: dict) -> Any:
        """Change a row (`version`: the If-Match, None when not sent); its name taken by another row
        is a 409."""
        return self._save(uow, row_id, version, data)

    def _save(self, uow: CommsUnitOfWork, row_id: str | None, version: ExpectedVersion, data: dict) -> Any:
        with uow:
            rows = self.rows(uow)
            if row_id is None:
                row = self.model(tenant_id=uow.tenant_id)
            else:
                row = at_version(rows.get(row_id), version)
            self.fill(row, data)
            self._unique_name(uow, rows, row)
            uow.commit()
            return row

    def delete(self, uow: CommsUnitOfWork, row_id: str) -> None:
        with uow:
            uow.session.delete(self.rows(uow).get(row_id))
            uow.commit()

    def _unique_name(self, uow: CommsUnitOfWork, rows: Any, row: Any) -> None:
        """Add or keep `row` and flush; its name taken by another row, or by a concurrent writer, is a
        409 ("`what` named … exists already")."""
        with uow.session.no_autoflush:  # the changed row must not flush (and clash) before the check
            clash = rows.by_name(row.name)
        if clash is not None and clash.id != row.id:
            raise Conflict(f"{self.what} named {row.name!r} exists already.")
        row.updated_at = utcnow()
        rows.add(row)
        try:
            uow.session.flush()
        except IntegrityError:
            raise Conflict(f"{self.what} named {row.name!r} exists already.") from None
