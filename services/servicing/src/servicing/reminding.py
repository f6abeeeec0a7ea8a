"""The worker's own loop: the reminder chain (beside the kit's relay and consumer).

Each pass takes the day from the clock, scans the reminders still waiting whose first reminder's
day may have come (across tenants, a page at a time) and runs `service.chain.remind` on each in its
own transaction, under its tenant. Several workers may run it at once: a stage is claimed once
(service/chain.py), so they only share the work.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from fieldbook_shared.jobs import ServiceLoop, each_across_tenants

from .service.chain import remind
from .service.common import today
from .store.queries import waiting_reminders

log = logging.getLogger("servicing.reminding")

PAGE = 200


class ReminderChain(ServiceLoop):
    name, actor, poll_setting, log = "reminder chain", "system:servicing", "reminder_poll_seconds", log

    def step(self, stop: threading.Event) -> int:
        """One pass over the waiting reminders; how many stages it sent or skipped. Returns 0 so
        the loop waits its poll between passes (a pass already goes through all of them)."""
        day = today()
        until = day + timedelta(days=self.settings.offsets.first_before)
        done = each_across_tenants(
            self.sessions,
            lambda session, after, page: waiting_reminders(session, until, after, page),
            lambda tenant_id, reminder_id: remind(
                self.uow(tenant_id), reminder_id, day, self.settings.offsets
            ),
            stop,
            PAGE,
        )
        if done:
            log.info("reminder chain on %s: %d stage(s) sent or skipped", day, done)
        return 0
