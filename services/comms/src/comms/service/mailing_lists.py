"""Saved mailing lists: a name and customer ids, for mass emails."""

from __future__ import annotations

from ..store.models import MailingList
from .named import NamedRows


def _fill(row: MailingList, data: dict) -> None:
    if "name" in data:
        row.name = data["name"]
    if "customer_ids" in data:
        row.customer_ids = list(dict.fromkeys(str(i) for i in data["customer_ids"]))


MAILING_LISTS = NamedRows(MailingList, lambda uow: uow.mailing_lists, "A mailing list", _fill)
