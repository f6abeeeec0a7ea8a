"""Saving a row whose name is unique per tenant (templates, mailing lists)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from fieldbook_shared.db import utcnow
from fieldbook_shared.problems import Conflict

from ..uow import CommsUnitOfWork


def save_named(uow: CommsUnitOfWork, rows, row, what: str) -> None:
    """Add or keep `row` in `rows` (its repository) and flush; its name taken by another row, or by a
    concurrent writer, is a 409 ("`what` named … exists already")."""
    with uow.session.no_autoflush:  # the changed row must not flush (and clash) before the check
        clash = rows.by_name(row.name)
    if clash is not None and clash.id != row.id:
        raise Conflict(f"{what} named {row.name!r} exists already.")
    row.updated_at = utcnow()
    rows.add(row)
    try:
        uow.session.flush()
    except IntegrityError:
        raise Conflict(f"{what} named {row.name!r} exists already.") from None
