"""Saved mailing lists: a name and customer ids, for mass emails."""

from __future__ import annotations

from fieldbook_shared.etag import ExpectedVersion

from ..store.models import MailingList
from ..uow import CommsUnitOfWork
from .named import NamedRows

MAILING_LISTS = NamedRows(MailingList, lambda uow: uow.mailing_lists, "A mailing list")
list_mailing_lists = MAILING_LISTS.page
get_mailing_list = MAILING_LISTS.get
delete_mailing_list = MAILING_LISTS.delete


def save_mailing_list(
    uow: CommsUnitOfWork, data: dict, list_id: str | None = None, version: ExpectedVersion = None
) -> MailingList:
    def change(row: MailingList) -> None:
        if "name" in data:
            row.name = data["name"]
        if "customer_ids" in data:
            row.customer_ids = list(dict.fromkeys(str(i) for i in data["customer_ids"]))

    return MAILING_LISTS.save(uow, list_id, version, change)
