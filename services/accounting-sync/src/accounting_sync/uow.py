"""The accounting-sync unit of work: the kit's, with this service's repository attached."""

from sqlalchemy.orm import Session

from fieldbook_shared.uow import UnitOfWork

from .store.queries import Postings, Syncs


class SyncUnitOfWork(UnitOfWork):
    syncs: Syncs
    postings: Postings

    def open_repositories(self, session: Session) -> None:
        self.syncs = Syncs(session, self.tenant_id)
        self.postings = Postings(session, self.tenant_id)
