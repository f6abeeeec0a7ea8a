"""All broker topology in one place: the events exchange, each service's queue, its dead letters.

    fieldbook.events (topic) --<event type>--> <service>.events (quorum, delivery limit, DLX)
    fieldbook.dead-letters (direct) --<service>.events.dead--> <service>.events.dead (quorum)

With CONSUMER_PARTITIONS = P > 0 (several worker processes, order per customer kept):

    fieldbook.events --<event type>--> <service>.events.partitions (x-consistent-hash on the
        `subject` header) --> <service>.events.p0 … p<P-1> (quorum, delivery limit, DLX,
        single active consumer)

and `<service>.events` is unbound from the event types: it still drains what it held, and takes
the dead letters' replays (published to it by name). The exchange type is RabbitMQ's plugin
rabbitmq_consistent_hash_exchange (shipped with the broker, enabled by `make up`, the e2e harness,
CI and deploy; docs/deploy). Changing P moves some subjects to other partitions: do it with the
queues drained.

RabbitMQ 3.10 quorum queues have no default delivery limit: without `x-delivery-limit` a poison
message is redelivered forever, so it is always declared. Queue arguments cannot change on an
existing queue (the broker refuses the redeclare with PRECONDITION_FAILED): changing
`delivery_limit` for a live queue means deleting it or moving the setting to a policy.
"""

from __future__ import annotations

from collections.abc import Iterable

import pika
from pika.adapters.blocking_connection import BlockingChannel

from ..settings import Settings

DEAD_LETTER_EXCHANGE = "fieldbook.dead-letters"
SUBJECT_HEADER = "subject"  # the relay's header with the event's subject: the partition key
PLUGIN = "rabbitmq_consistent_hash_exchange"


def partition_exchange(settings: Settings) -> str:
    return f"{settings.queue}.partitions"


def partition_queues(settings: Settings) -> list[str]:
    """`<service>.events.p<k>`, k < CONSUMER_PARTITIONS (none when partitioning is off)."""
    return [f"{settings.queue}.p{k}" for k in range(max(0, settings.consumer_partitions))]


def declare_exchange(channel: BlockingChannel, settings: Settings) -> None:
    """The durable topic exchange every service publishes to (routing key = event type)."""
    channel.exchange_declare(settings.exchange, exchange_type="topic", durable=True)


def declare_service_queues(channel: BlockingChannel, settings: Settings, event_types: Iterable[str]) -> None:
    """The service's quorum queue bound to the types it handles, and its dead-letter queue."""
    channel.exchange_declare(DEAD_LETTER_EXCHANGE, exchange_type="direct", durable=True)
    channel.queue_declare(
        settings.dead_letter_queue,
        durable=True,
        arguments={"x-queue-type": "quorum"},
    )
    channel.queue_bind(
        settings.dead_letter_queue, DEAD_LETTER_EXCHANGE, routing_key=settings.dead_letter_queue
    )
    arguments = {
        "x-queue-type": "quorum",
        "x-delivery-limit": int(settings.delivery_limit),
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": settings.dead_letter_queue,
    }
    channel.queue_declare(settings.queue, durable=True, arguments=arguments)
    types = sorted(set(event_types))
    partitions = partition_queues(settings)
    if not partitions:
        for event_type in types:
            channel.queue_bind(settings.queue, settings.exchange, routing_key=event_type)
        return
    hashed = partition_exchange(settings)
    channel.exchange_declare(
        hashed, exchange_type="x-consistent-hash", durable=True, arguments={"hash-header": SUBJECT_HEADER}
    )
    for queue in partitions:
        channel.queue_declare(queue, durable=True, arguments={**arguments, "x-single-active-consumer": True})
        channel.queue_bind(queue, hashed, routing_key="1")  # the weight: an equal share each
    # the partitions first, then the old queue unbound: an event in between reaches both (the inbox
    # absorbs the second), none reaches neither
    for event_type in types:
        channel.exchange_bind(hashed, settings.exchange, routing_key=event_type)
    for event_type in types:
        channel.queue_unbind(settings.queue, settings.exchange, routing_key=event_type)


def connection_parameters(
    settings: Settings, heartbeat: int = 30, name: str | None = None
) -> pika.URLParameters:
    """How every connection of a service reaches the broker. A single attempt: callers own the retry
    loop. `name` shows up as the connection name in `rabbitmqctl list_connections client_properties`.
    """
    params = pika.URLParameters(settings.amqp_url)
    params.heartbeat = heartbeat
    params.blocked_connection_timeout = 60  # a broker alarm blocks publishers; give up, reconnect
    params.connection_attempts = 1
    params.socket_timeout = 10
    params.client_properties = {"connection_name": name or f"fieldbook.{settings.service}"}
    return params


def connect(settings: Settings, heartbeat: int = 30, name: str | None = None) -> pika.BlockingConnection:
    """One blocking connection (one per thread)."""
    return pika.BlockingConnection(connection_parameters(settings, heartbeat, name))


def declare_queues(settings: Settings, event_types: Iterable[str]) -> str | None:
    """Declare the exchange and the service's queues now, at deploy time (`manage migrate`), not only
    when its worker first starts: an event published before the queue exists is routed to no one and
    lost to this service. Returns None, or why it could not be done (the broker does not answer, or
    refuses a queue declared with other arguments); the worker declares the same when it starts and
    fails loudly there, so a deploy does not fail on it here."""
    try:
        connection = connect(settings, heartbeat=0, name=f"fieldbook.{settings.service}.migrate")
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"{type(exc).__name__}: {exc}".rstrip(": ")
    try:
        channel = connection.channel()
        declare_exchange(channel, settings)
        declare_service_queues(channel, settings, event_types)
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"{type(exc).__name__}: {exc}".rstrip(": ")
    finally:
        if connection.is_open:
            connection.close()
    return None
