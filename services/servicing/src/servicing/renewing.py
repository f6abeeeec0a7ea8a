"""The worker's loop for contracts' ends (beside the reminder chain): each pass takes the day from
the kit's clock, scans the active contracts ending by then (across tenants, a page at a time) and
settles each in its own transaction, under its tenant (`service.contracts.settle_end`: renew with
auto-renew, else expire after the end date). Several workers may run it: each contract's row is
locked and its version checked, so a renewal happens once."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm.exc import StaleDataError

from fieldbook_shared.jobs import ServiceLoop, each_across_tenants

from .service.common import today
from .service.contracts import settle_end
from .store.queries import ending_contracts

log = logging.getLogger("servicing.renewing")


class ContractEnds(ServiceLoop):
    name, actor, poll_setting, log = "contract ends", "system:servicing", "reminder_poll_seconds", log

    def settle(self, tenant_id: str, contract_id: str, day) -> str | None:
        try:
            return settle_end(self.uow(tenant_id), contract_id, day)
        except StaleDataError:
            return None  # another worker settled it first

    def step(self, stop: threading.Event) -> int:
        """One pass; how many contracts it renewed or expired (a renewed one whose next term has
        ended too, after downtime, is taken again at once)."""
        day = today()
        done = each_across_tenants(
            self.sessions,
            lambda session, after, page: ending_contracts(session, day, after, page),
            lambda tenant_id, contract_id: self.settle(tenant_id, contract_id, day),
            stop,
        )
        if done:
            log.info("contract ends on %s: %d renewed or expired", day, done)
        return done
