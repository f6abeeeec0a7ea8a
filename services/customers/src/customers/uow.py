"""The customers service's unit of work: the kit's, with this service's repositories attached."""

from fieldbook_shared.uow import UnitOfWork

from .store.queries import Branches, Contacts, Customers, Settings, WorkAddresses


class CustomersUnitOfWork(UnitOfWork):
    customers: Customers
    contacts: Contacts
    branches: Branches
    work_addresses: WorkAddresses
    settings: Settings
