"""Saved mailing lists: a name and customer ids, for mass emails."""

from __future__ import annotations

from fieldbook_shared.etag import ExpectedVersion, check_version

from ..store.models import MailingList
from ..uow import CommsUnitOfWork
from .named import save_named


def list_mailing_lists(uow: CommsUnitOfWork, page: int, page_size: int) -> tuple[list[MailingList], int]:
    with uow:
        return uow.mailing_lists.page(page, page_size)


def get_mailing_list(uow: CommsUnitOfWork, list_id: str) -> MailingList:
    with uow:
        return uow.mailing_lists.get(list_id)


def save_mailing_list(
    uow: CommsUnitOfWork, data: dict, list_id: str | None = None, version: ExpectedVersion = None
) -> MailingList:
    with uow:
        if list_id is None:
            row = MailingList(tenant_id=uow.tenant_id)
        else:
            row = uow.mailing_lists.get(list_id)
            check_version(row.version, version)
        if "name" in data:
            row.name = data["name"]
        if "customer_ids" in data:
            row.customer_ids = list(dict.fromkeys(str(i) for i in data["customer_ids"]))
        save_named(uow, uow.mailing_lists, row, "A mailing list")
        uow.commit()
        return row


def delete_mailing_list(uow: CommsUnitOfWork, list_id: str) -> None:
    with uow:
        uow.session.delete(uow.mailing_lists.get(list_id))
        uow.commit()
