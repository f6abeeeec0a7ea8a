"""The customers service's unit of work: the kit's, with this service's repositories attached."""

from sqlalchemy.orm import Session

from fieldbook_shared.uow import UnitOfWork

from .store.queries import Branches, Contacts, Customers, Settings, WorkAddresses


class CustomersUnitOfWork(UnitOfWork):
    customers: Customers
    contacts: Contacts
    branches: Branches
    work_addresses: WorkAddresses
    settings: Settings

    def open_repositories(self, session: Session) -> None:
        self.customers = Customers(session, self.tenant_id)
        self.contacts = Contacts(session, self.tenant_id)
        self.branches = Branches(session, self.tenant_id)
        self.work_addresses = WorkAddresses(session, self.tenant_id)
        self.settings = Settings(session, self.tenant_id)
