"""The webhooks service's unit of work: the kit's, with this service's repositories attached."""

from sqlalchemy.orm import Session

from fieldbook_shared.uow import UnitOfWork

from .store.queries import Deliveries, Endpoints


class WebhooksUnitOfWork(UnitOfWork):
    endpoints: Endpoints
    deliveries: Deliveries

    def open_repositories(self, session: Session) -> None:
        self.endpoints = Endpoints(session, self.tenant_id)
        self.deliveries = Deliveries(session, self.tenant_id)
