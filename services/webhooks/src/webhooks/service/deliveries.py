"""Use cases of deliveries: a public event fanned out to the endpoints that want it, the delivery
log, replays, and what one attempt's outcome does (retry with backoff, give up, disable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fieldbook_shared import clock
from fieldbook_shared.events import Event
from fieldbook_shared.problems import Conflict

from ..domain.rules import FAILED, PENDING, SUCCEEDED, Backoff, delivery_body, order_key
from ..store.models import Delivery, Endpoint, Message
from ..uow import WebhooksUnitOfWork


def fan_out(uow: WebhooksUnitOfWork, event: Event) -> int:
    """One delivery of the event per enabled endpoint subscribed to its type; how many. The
    message is stored once, as it will be sent (the inbox already drops a redelivered event)."""
    with uow:
        made = _fan_out(uow, event, uow.endpoints.enabled())
        uow.commit()
        return made


def fan_out_many(uow: WebhooksUnitOfWork, events: list[Event]) -> None:
    """`fan_out` for a consumer's run of one tenant's events: its endpoints read once, not per event
    (most tenants have none, and an import's thousands of events cost one query)."""
    with uow:
        enabled = uow.endpoints.enabled()
        if enabled:
            for event in events:
                _fan_out(uow, event, enabled)
        uow.commit()


def _fan_out(uow: WebhooksUnitOfWork, event: Event, enabled: list[Endpoint]) -> int:
    endpoints = [e for e in enabled if e.wants(event.type)]
    if not endpoints or uow.deliveries.message(event.id) is not None:
        return 0
    key = order_key(event.type, event.data, event.id)
    uow.session.add(
        Message(
            id=event.id,
            tenant_id=uow.tenant_id,
            event_type=event.type,
            order_key=key,
            body=delivery_body(event.type, event.time, event.data),
            occurred_at=datetime.fromisoformat(event.time.replace("Z", "+00:00")),
        )
    )
    uow.session.flush()
    for endpoint in endpoints:
        uow.session.add(_delivery(uow.tenant_id, endpoint.id, event.id, event.type, key))
    return len(endpoints)


def _delivery(
    tenant_id: str, endpoint_id: str, message_id: str, event_type: str, key: str, **extra
) -> Delivery:
    return Delivery(
        tenant_id=tenant_id,
        endpoint_id=endpoint_id,
        message_id=message_id,
        event_type=event_type,
        order_key=key,
        status=PENDING,
        attempts=0,
        next_attempt_at=clock.now(),
        **extra,
    )


def list_deliveries(
    uow: WebhooksUnitOfWork, endpoint_id: str, status: str | None, page: int, page_size: int
) -> tuple[list[Delivery], int]:
    with uow:
        uow.endpoints.get(endpoint_id)
        return uow.deliveries.page(endpoint_id, status, page, page_size)


def get_delivery(uow: WebhooksUnitOfWork, endpoint_id: str, delivery_id: str) -> Delivery:
    with uow:
        return uow.deliveries.get(endpoint_id, delivery_id)


def _replay(uow: WebhooksUnitOfWork, original: Delivery) -> Delivery:
    replay = _delivery(
        uow.tenant_id,
        original.endpoint_id,
        original.message_id,
        original.event_type,
        original.order_key,
        replay_of=original.id,
    )
    uow.session.add(replay)
    return replay


def replay_delivery(uow: WebhooksUnitOfWork, endpoint_id: str, delivery_id: str) -> Delivery:
    """The same message again (same body, same `webhook-id`), as a new delivery at the end of its
    customer's line."""
    with uow:
        endpoint = uow.endpoints.get(endpoint_id)
        original = uow.deliveries.get(endpoint.id, delivery_id)
        if original.status == PENDING:
            raise Conflict("This delivery is still being tried: wait for its outcome before replaying it.")
        replay = _replay(uow, original)
        uow.commit()
        return replay


def replay_failed(uow: WebhooksUnitOfWork, endpoint_id: str) -> list[Delivery]:
    """Every given-up delivery of the endpoint not replayed yet, again, in their original order."""
    with uow:
        endpoint = uow.endpoints.get(endpoint_id)
        replays = [_replay(uow, d) for d in uow.deliveries.failed(endpoint.id, FAILED)]
        uow.commit()
        return replays


@dataclass(frozen=True)
class Attempt:
    """What one attempt came to: the partner's status code (None when it never answered), how
    long it took, and why it failed."""

    response_code: int | None
    duration_ms: int
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300


def to_send(uow: WebhooksUnitOfWork, seq: int, token: str) -> tuple[Delivery, Endpoint, Message] | None:
    """A claimed delivery with its endpoint and message; None when our claim was taken over."""
    with uow:
        delivery = uow.deliveries.claimed(seq, token)
        if delivery is None:
            return None
        message = uow.deliveries.message(delivery.message_id)
        endpoint = uow.endpoints.get(delivery.endpoint_id)
        uow.session.expunge_all()
        return delivery, endpoint, message  # type: ignore[return-value]


def record_attempt(
    uow: WebhooksUnitOfWork, seq: int, token: str, attempt: Attempt, backoff: Backoff
) -> str | None:
    """The attempt's outcome on the delivery and its endpoint: succeeded; or tried again later
    (backoff), given up after `retry_for`, and the endpoint disabled after failing
    `disable_after`. The delivery's new status, or None when our claim was taken over."""
    now = clock.now()
    with uow:
        delivery = uow.deliveries.claimed(seq, token)
        if delivery is None:
            return None
        endpoint = uow.endpoints.get(delivery.endpoint_id, for_update=True)
        delivery.attempts += 1
        delivery.response_code, delivery.duration_ms = attempt.response_code, attempt.duration_ms
        delivery.last_error = (attempt.error or "")[:500] or None
        delivery.last_attempt_at, delivery.lease_until, delivery.claim_token = now, None, None
        if attempt.succeeded:
            delivery.status, delivery.delivered_at = SUCCEEDED, now
            endpoint.answered()
        else:
            endpoint.failed(now)
            if backoff.gives_up(delivery.created_at, now):
                delivery.status = FAILED
            else:
                delivery.next_attempt_at = backoff.next_attempt(delivery.attempts, now)
            if endpoint.failing_since and backoff.disables(endpoint.failing_since, now):
                endpoint.disable(f"Every delivery failed since {endpoint.failing_since.isoformat()}.", now)
        uow.commit()
        return delivery.status


def erase_customer(uow: WebhooksUnitOfWork, customer_id: str, except_message: str) -> int:
    """The bodies kept of the customer's events (to send, retry or replay) lose their data: only
    the customer's id and `erased` stay. How many."""
    with uow:
        messages = [m for m in uow.deliveries.of_customer(customer_id) if m.id != except_message]
        for message in messages:
            blank = {"customer_id": customer_id, "erased": True}
            message.body = delivery_body(message.event_type, message.occurred_at.isoformat(), blank)
        uow.commit()
        return len(messages)
