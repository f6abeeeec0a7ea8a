"""The worker's SMS sender: the email sender's claim and lease, with the provider's HTTP API
(sms_provider.py) in place of SMTP.

It claims due SMS under a claim token (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a lease against a
dead worker), checks its token and renews the lease right before each call, calls the provider
outside any transaction, then records the outcome with its event in one transaction: accepted →
`sent` (`sms.sent`, with the provider's message id); refused for good (a bad number) → `failed`
(`sms.failed`); no answer, 401, 429 or 5xx → `queued` again with backoff, until `SMS_MAX_ATTEMPTS`.

Exactly once: the SMS's id goes to the provider as its `Idempotency-Key`, so a worker killed
between the provider's answer and the commit (its SMS claimed again after the lease) gets the same
message back rather than a second text.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import utcnow
from fieldbook_shared.jobs import poll_loop

from .claimed_sending import ClaimedSender
from .domain.smtp import SENT, TEMPORARY, SendOutcome, retry_delay
from .settings import CommsSettings
from .sms_provider import SmsProvider
from .store.models import Sms
from .store.queries import locked
from .uow import CommsUnitOfWork

log = logging.getLogger("comms.sms_sending")

UowFactory = Callable[[RequestContext], CommsUnitOfWork]


class SmsSender(ClaimedSender):
    model, kind, log = Sms, "sms", log

    def __init__(
        self,
        settings: CommsSettings,
        sessions: sessionmaker[Session],
        uow_factory: UowFactory,
        provider_factory: Callable[[], SmsProvider] | None = None,
    ):
        self.settings = settings
        self.sessions = sessions
        self.uow_factory = uow_factory
        self.provider_factory = provider_factory or (lambda: SmsProvider(settings))

    def run(self, stop: threading.Event) -> None:
        name = f"SMS sender ({self.settings.sms_provider_url})"
        poll_loop(name, self.send_due, self.settings.sms_poll, log)(stop)

    def _open(self) -> SmsProvider:
        return self.provider_factory()

    def _send_one(self, sms_id: str, token: str, provider: SmsProvider) -> None:
        row = self._hold(sms_id, token)
        if row is None:
            log.info("sms %s: claim lost or SMS gone; not sent here", sms_id)
            return
        outcome = provider.send(sms_id=row.id, tenant_id=row.tenant_id, to=row.to_number or "", body=row.body)
        if self.record(row, outcome, token):
            self._log_outcome(row, outcome, "status_code")

    def record(self, claimed: Sms, outcome: SendOutcome, token: str) -> bool:
        """The outcome, the SMS's new state, its log line's and its event, in one transaction;
        False (nothing recorded) when the SMS is gone or the claim is no longer ours."""
        uow = self.uow_factory(RequestContext.system(claimed.tenant_id, actor="system:comms-sms-sender"))
        with uow:
            row = locked(uow.session, Sms, claimed.id)
            if row is None or row.status != "sending" or row.claim_token != token:
                log.warning(
                    "sms %s: %s was not recorded (claim lost or SMS removed)", claimed.id, outcome.outcome
                )
                return False
            now = utcnow()
            row.attempts += 1
            row.lease_until = row.claim_token = None
            if outcome.outcome == SENT:
                row.provider_status = outcome.detail[:40]
                row.mark_sent(now, outcome.message_id or "")
            elif outcome.outcome == TEMPORARY and row.attempts < int(self.settings.sms_max_attempts):
                row.status, row.reason = "queued", outcome.detail[:300]
                row.next_attempt_at = now + timedelta(
                    seconds=retry_delay(
                        row.attempts, self.settings.sms_retry_base, self.settings.sms_retry_max
                    )
                )
            else:
                given_up = "" if outcome.outcome != TEMPORARY else f"gave up after {row.attempts} attempts: "
                row.mark_failed(now, f"{given_up}{outcome.detail}")
            entry = uow.communications.of_message("sms", row.id)
            if entry is not None:
                entry.status = row.status
            uow.commit()
            return True
