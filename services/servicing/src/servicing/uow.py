"""The servicing service's unit of work: the kit's, with this service's repositories attached."""

from sqlalchemy.orm import Session

from fieldbook_shared.uow import UnitOfWork

from .store.queries import Directory, Intervals, Reminders


class ServicingUnitOfWork(UnitOfWork):
    intervals: Intervals
    reminders: Reminders
    directory: Directory

    def open_repositories(self, session: Session) -> None:
        self.intervals = Intervals(session, self.tenant_id)
        self.reminders = Reminders(session, self.tenant_id)
        self.directory = Directory(session, self.tenant_id)
