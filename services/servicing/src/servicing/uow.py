"""The servicing service's unit of work: the kit's, with this service's repositories attached."""

from sqlalchemy.orm import Session

from fieldbook_shared.uow import UnitOfWork

from .store.queries import Contracts, Directory, Intervals, Reminders, ServicePlans


class ServicingUnitOfWork(UnitOfWork):
    intervals: Intervals
    reminders: Reminders
    directory: Directory
    plans: ServicePlans
    contracts: Contracts

    def open_repositories(self, session: Session) -> None:
        self.intervals = Intervals(session, self.tenant_id)
        self.reminders = Reminders(session, self.tenant_id)
        self.directory = Directory(session, self.tenant_id)
        self.plans = ServicePlans(session, self.tenant_id)
        self.contracts = Contracts(session, self.tenant_id)
