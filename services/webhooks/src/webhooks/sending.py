"""The worker's own loop: the sender (beside the kit's relay and consumer).

Each pass claims the due deliveries that head their line (kit's job loop: `skip_locked`, a lease
and a claim token, so two workers never send the same delivery), then for each: checks the URL
again (its name may point elsewhere now: SSRF), signs the body with the endpoint's secret(s) by the
Standard Webhooks specification, POSTs it with a short timeout and no redirects, and records the
outcome under the claim (service/deliveries.py `record_attempt`). A delivery that fails waits its
backoff; the customer's later deliveries to that endpoint wait behind it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import requests
from sqlalchemy.orm import Session, sessionmaker

from fieldbook_shared import clock
from fieldbook_shared.context import RequestContext
from fieldbook_shared.jobs import ServiceLoop, lease_until, new_token

from .domain.addresses import RefusedUrl, check_url
from .domain.signing import signed_headers
from .service.deliveries import Attempt, record_attempt, to_send
from .settings import WebhooksSettings
from .store.models import Endpoint, Message
from .store.queries import claim_due
from .uow import WebhooksUnitOfWork

log = logging.getLogger("webhooks.sending")

USER_AGENT = "Fieldbook-Webhooks/1"


class Sender(ServiceLoop):
    name, actor, poll_setting, log = "webhook sender", "system:webhooks", "webhook_poll_seconds", log

    def __init__(
        self,
        settings: WebhooksSettings,
        sessions: sessionmaker[Session],
        uow_factory: Callable[[RequestContext], WebhooksUnitOfWork],
    ):
        super().__init__(settings, sessions, uow_factory)
        self.http = requests.Session()

    def claim(self) -> tuple[str, list[tuple]]:
        token, now = new_token(), clock.now()
        with self.sessions() as session, session.begin():
            until = lease_until(self.settings.webhook_lease_seconds, now)
            return token, claim_due(session, now, until, token, self.settings.webhook_batch)

    def step(self, stop: threading.Event) -> int:
        """One batch; how many deliveries it attempted (the loop goes on at once while there are)."""
        token, claimed = self.claim()
        for tenant_id, seq in claimed:
            if stop.is_set():
                break  # the rest's leases run out and another pass takes them
            found = to_send(self.uow(tenant_id), seq, token)
            if found is None:
                continue
            delivery, endpoint, message = found
            attempt = self.attempt(endpoint, message)
            status = record_attempt(self.uow(tenant_id), seq, token, attempt, self.settings.backoff)
            log.info(
                "webhook %s to %s: %s (%s, %d ms)",
                message.id,
                endpoint.id,
                status,
                attempt.response_code or attempt.error,
                attempt.duration_ms,
            )
        return len(claimed)

    def attempt(self, endpoint: Endpoint, message: Message) -> Attempt:
        started = time.monotonic()
        try:
            check_url(endpoint.url, self.settings.webhook_allow_private_urls)
            headers = signed_headers(
                endpoint.signing_secrets(clock.now()), message.id, clock.now(), message.body
            )
            answer = self.http.post(
                endpoint.url,
                data=message.body.encode(),
                headers={**headers, "content-type": "application/json", "user-agent": USER_AGENT},
                timeout=(3.0, self.settings.webhook_timeout_seconds),
                allow_redirects=False,  # a redirect could lead to an address the check refused
            )
        except (RefusedUrl, requests.RequestException) as exc:
            return Attempt(None, _ms(started), f"{type(exc).__name__}: {exc}")
        error = None if answer.ok else f"HTTP {answer.status_code}"
        return Attempt(answer.status_code, _ms(started), error)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
