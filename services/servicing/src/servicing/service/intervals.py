"""Use cases of service intervals: the months between services of an asset type (the assets
catalogue's asset group), a work address or one asset. Setting or removing one works the next
service date out again for every asset it applies to."""

from __future__ import annotations

from fieldbook_shared.problems import NotFound

from ..store.models import ServiceInterval
from ..uow import ServicingUnitOfWork
from .reminders import refresh_assets

# the API's word for a scope → the column of an asset's copy it is matched on
SCOPE_COLUMNS = {"asset": "asset_id", "work_address": "work_address_id", "asset_group": "asset_group_id"}


def list_intervals(uow: ServicingUnitOfWork) -> list[ServiceInterval]:
    with uow:
        return uow.intervals.all()


def set_interval(
    uow: ServicingUnitOfWork, scope: str, scope_id: str, months: int
) -> tuple[ServiceInterval, bool]:
    """The interval set (made or changed); and whether it was made."""
    with uow:
        interval = uow.intervals.find(scope, scope_id)
        made = interval is None
        if interval is None:
            interval = ServiceInterval(tenant_id=uow.tenant_id, scope=scope, scope_id=scope_id, months=months)
            uow.session.add(interval)
        interval.months = months
        uow.session.flush()
        refresh_assets(uow, uow.directory.assets_where(**{SCOPE_COLUMNS[scope]: scope_id}))
        uow.commit()
        return interval, made


def remove_interval(uow: ServicingUnitOfWork, scope: str, scope_id: str) -> None:
    with uow:
        interval = uow.intervals.find(scope, scope_id)
        if interval is None:
            raise NotFound("No service interval set there.")
        uow.session.delete(interval)
        uow.session.flush()
        refresh_assets(uow, uow.directory.assets_where(**{SCOPE_COLUMNS[scope]: scope_id}))
        uow.commit()
