"""The accounting-sync unit of work: the kit's, with this service's repository attached."""

from fieldbook_shared.uow import UnitOfWork

from .store.queries import Postings, Syncs


class SyncUnitOfWork(UnitOfWork):
    syncs: Syncs
    postings: Postings
