"""The servicing service's unit of work: the kit's, with this service's repositories attached."""

from fieldbook_shared.uow import UnitOfWork

from .store.queries import Contracts, Directory, Intervals, Reminders, ServicePlans


class ServicingUnitOfWork(UnitOfWork):
    intervals: Intervals
    reminders: Reminders
    directory: Directory
    plans: ServicePlans
    contracts: Contracts
