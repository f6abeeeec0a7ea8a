"""Balances back from Sage: polled on a schedule and on demand → `accounting.balance_updated`.

One poll reads, for each Sage business the tenants concerned use, every customer contact with
`show_balance=true` (paged, 200 a page), then, tenant by tenant, stores each linked customer's
balance and publishes it when it changed (or when someone asked for it). The as-of time is when
Sage was read; a read older than the stored balance's (another worker process applied a newer
one) is skipped, so a balance never goes back. A business that fails is tried again on the next
poll; the others are applied. On-demand requests are claimed with a lease (one worker answers
each); one whose business fails is tried again after a backoff and given up after
`BALANCE_REQUEST_MAX_TRIES` (`failed_at`, `last_error`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta

from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import utcnow
from fieldbook_shared.jobs import poll_loop

from . import events
from .domain import retry
from .sage import SageError
from .store.models import BalancePollRequest
from .store.queries import businesses_of, claim_poll_requests, linked_rows_all
from .sync import SageLoop

log = logging.getLogger("accounting_sync.balances")


class BalancePoller(SageLoop):
    """Balances back from Sage, on a schedule and on demand (see the module's docstring)."""

    def run(self, stop: threading.Event) -> None:
        self._next_scheduled = time.monotonic() + min(10.0, self.s.balance_poll_seconds)
        check = self.s.balance_request_check_seconds
        poll_loop("balance poller", lambda stop: self.step(), check, log)(stop)

    def step(self) -> None:
        """Answer open requests, and poll everything when the schedule says so. Never busy: the
        poller looks again after `balance_request_check_seconds` whatever it found."""
        scheduled = time.monotonic() >= self._next_scheduled
        if self.poll_once(scheduled=scheduled) and scheduled:
            self._next_scheduled = time.monotonic() + self.s.balance_poll_seconds
        elif scheduled:  # Sage failed: try again sooner than a full period
            self._next_scheduled = time.monotonic() + min(30.0, self.s.balance_poll_seconds)

    def poll_once(self, scheduled: bool = True) -> bool:
        """Answer open requests, and poll everything when `scheduled`. False if Sage failed."""
        lease = timedelta(seconds=self.s.balance_request_lease_seconds)
        with self.sessions() as session, session.begin():  # claimed: committed with the lease
            claimed = claim_poll_requests(session, lease)
            requests = [(r.id, r.tenant_id, list(r.customer_ids or [])) for r in claimed]
        if not requests and not scheduled:
            return True
        forced: dict[str, set[str] | None] = {}  # tenant → customer ids asked for (None: all)
        for _, tenant, ids in requests:
            if not ids:
                forced[tenant] = None
            elif forced.get(tenant, set()) is not None:
                forced[tenant] = (forced.get(tenant) or set()) | set(ids)
        with self.sessions() as session:
            tenants = {r.tenant_id for r in linked_rows_all(session)} if scheduled else set(forced)
            request_ids = defaultdict(list)
            for rid, tenant, _ in requests:
                request_ids[tenant].append(rid)
                tenants.add(tenant)
            business = businesses_of(session, tenants, self.s.sage_business_id)
        ok = True
        read: dict[str, tuple[dict, datetime] | None] = {}
        errors: dict[str, str] = {}
        for tenant in sorted(tenants):
            bid = business[tenant]
            if bid not in read:
                as_of = utcnow()
                try:
                    read[bid] = (self.accounting.for_business(bid).balances(), as_of)
                except SageError as exc:
                    log.log(
                        logging.ERROR if exc.auth_failed else logging.WARNING,
                        "balance poll of business %s failed: %s",
                        bid,
                        exc,
                    )
                    read[bid] = None
                    errors[bid] = str(exc)[:2000]
            if read[bid] is None:
                ok = False
                self._retry_later(request_ids.get(tenant, []), errors[bid])
                continue
            balances, as_of = read[bid]
            self._apply(tenant, balances, as_of, forced.get(tenant, set()), request_ids.get(tenant, []))
        return ok

    def _apply(
        self,
        tenant: str,
        balances: dict,
        as_of: datetime,
        forced: set[str] | None,
        request_ids: list[int],
    ) -> None:
        uow = self.uow_factory(RequestContext.system(tenant, actor="accounting-sync"))
        with uow:
            published = 0
            # locked: with several worker processes, the comparison below sees the latest applied read
            for row in uow.syncs.linked_rows(lock=True):
                balance = balances.get(row.sage_contact_id)
                if balance is None:
                    continue
                if row.balance_as_of is not None and as_of < row.balance_as_of:
                    continue  # a newer read was applied meanwhile: an older one never goes back
                asked = forced is None or row.customer_id in forced
                if balance == row.balance and row.balance_published and not asked:
                    continue
                row.balance = balance
                row.balance_as_of = as_of
                row.balance_published = True
                events.publish_balance(uow, row)
                published += 1
            for rid in request_ids:
                req = uow.session.get(BalancePollRequest, rid)
                if req is not None and req.done_at is None:
                    req.done_at = as_of
                    req.claimed_until = None
            uow.commit()
        if published:
            log.info("balances: %d published for tenant %s", published, tenant)

    def _retry_later(self, request_ids: list[int], error: str) -> None:
        """A request whose business failed: tried again after a backoff, given up after
        `balance_request_max_tries` (`failed_at`, with the error), never every second forever."""
        if not request_ids:
            return
        now = utcnow()
        with self.sessions() as session, session.begin():
            for rid in request_ids:
                req = session.get(BalancePollRequest, rid)
                if req is None or req.done_at is not None:
                    continue
                req.attempts = (req.attempts or 0) + 1
                req.last_error = error
                req.claimed_until = None
                if req.attempts >= self.s.balance_request_max_tries:
                    req.failed_at = now
                    log.error("balance poll request %s given up after %d tries: %s", rid, req.attempts, error)
                else:
                    delay = retry.backoff_delay(req.attempts, 2.0, 300.0)
                    req.next_attempt_at = now + timedelta(seconds=delay)
