"""The assets service's unit of work: the kit's, with this service's repositories attached."""

from fieldbook_shared.uow import UnitOfWork

from .store.queries import Assets, Catalogue, Directory


class AssetsUnitOfWork(UnitOfWork):
    catalogue: Catalogue
    assets: Assets
    directory: Directory
