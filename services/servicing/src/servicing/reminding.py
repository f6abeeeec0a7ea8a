"""The worker's own loop: the reminder chain (beside the kit's relay and consumer).

Each pass takes the day from the clock, scans the reminders still waiting whose first reminder's
day may have come (across tenants, a page at a time) and runs `service.chain.remind` on each in its
own transaction, under its tenant. Several workers may run it at once: a stage is claimed once
(service/chain.py), so they only share the work.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from fieldbook_shared.context import RequestContext
from fieldbook_shared.jobs import poll_loop

from .service.chain import remind
from .service.common import today
from .settings import ServicingSettings
from .store.queries import waiting_reminders
from .uow import ServicingUnitOfWork

log = logging.getLogger("servicing.reminding")

PAGE = 200


class ReminderChain:
    def __init__(
        self,
        settings: ServicingSettings,
        sessions: sessionmaker[Session],
        uow_factory: Callable[[RequestContext], ServicingUnitOfWork],
    ):
        self.settings = settings
        self.sessions = sessions
        self.uow_factory = uow_factory
        self.run = poll_loop("reminder chain", self.step, settings.reminder_poll_seconds, log, error_wait=1.0)

    def step(self, stop: threading.Event) -> int:
        """One pass over the waiting reminders; how many stages it sent or skipped. Returns 0 so
        the loop waits its poll between passes (a pass already goes through all of them)."""
        day = today()
        until = day + timedelta(days=self.settings.offsets.first_before)
        after: tuple[str, str] | None = None
        done = 0
        while not stop.is_set():
            with self.sessions() as session:
                rows = waiting_reminders(session, until, after, PAGE)
            for tenant_id, reminder_id in rows:
                uow = self.uow_factory(RequestContext.system(tenant_id, actor="system:servicing"))
                if remind(uow, reminder_id, day, self.settings.offsets):
                    done += 1
            if len(rows) < PAGE:
                break
            after = (rows[-1][0], rows[-1][1])
        if done:
            log.info("reminder chain on %s: %d stage(s) sent or skipped", day, done)
        return 0
