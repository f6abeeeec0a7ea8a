"""The assets service's unit of work: the kit's, with this service's repositories attached."""

from sqlalchemy.orm import Session

from fieldbook_shared.uow import UnitOfWork

from .store.queries import Assets, Catalogue, Directory


class AssetsUnitOfWork(UnitOfWork):
    catalogue: Catalogue
    assets: Assets
    directory: Directory

    def open_repositories(self, session: Session) -> None:
        self.catalogue = Catalogue(session, self.tenant_id)
        self.assets = Assets(session, self.tenant_id)
        self.directory = Directory(session, self.tenant_id)
