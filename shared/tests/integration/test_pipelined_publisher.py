"""The pipelined publisher against the real RabbitMQ: a batch goes out whole and its confirms come
back together, in order; unroutable messages are told apart; a broker error fails the batch from the
first unconfirmed message on, and the publisher after it."""

from __future__ import annotations

import pika.exceptions
import pytest

from fieldbook_shared.messaging import Outgoing, PipelinedPublisher, declare_exchange, declare_service_queues

pytestmark = pytest.mark.integration


def outgoing(event_type: str, n: int, prefix: str = "e") -> list[Outgoing]:
    return [Outgoing(event_type, f'{{"n": {i}}}', f"{prefix}{i}", "tenant-1") for i in range(n)]


def test_a_batch_is_confirmed_together_and_arrives_in_order(broker):
    settings = broker.settings("pipelined")
    with broker.channel() as channel:
        declare_exchange(channel, settings)
        declare_service_queues(channel, settings, ["thing.happened"])
    publisher = PipelinedPublisher(settings, name="test.pipelined")
    try:
        first = publisher.publish_batch(outgoing("thing.happened", 1000, "a"))
        second = publisher.publish_batch(outgoing("thing.happened", 10, "b"))  # delivery tags go on
    finally:
        publisher.close()

    assert (first.confirmed, first.unroutable, first.error) == (1000, frozenset(), None)
    assert (second.confirmed, second.error) == (10, None)
    ids = [properties.message_id for properties, _ in broker.drain(settings.queue)]
    assert ids == [f"a{i}" for i in range(1000)] + [f"b{i}" for i in range(10)]


def test_unroutable_messages_are_confirmed_and_told_apart(broker):
    settings = broker.settings("unroutable")
    with broker.channel() as channel:
        declare_exchange(channel, settings)
        declare_service_queues(channel, settings, ["thing.bound"])
    batch = [
        Outgoing("thing.bound" if i % 3 else "thing.unbound", "{}", f"m{i}", "tenant-1") for i in range(30)
    ]
    publisher = PipelinedPublisher(settings, name="test.unroutable")
    try:
        outcome = publisher.publish_batch(batch)
    finally:
        publisher.close()

    assert outcome.confirmed == 30 and outcome.error is None
    assert outcome.unroutable == frozenset(i for i in range(30) if i % 3 == 0)
    assert len(broker.drain(settings.queue)) == 20


def test_a_broker_error_fails_the_batch_and_the_publisher(broker):
    settings = broker.settings("refused")
    publisher = PipelinedPublisher(settings, name="test.refused")
    try:
        with broker.channel() as channel:
            channel.exchange_delete(settings.exchange)  # publishing to it now closes the channel
        outcome = publisher.publish_batch(outgoing("thing.happened", 50))
        after = publisher.publish_batch(outgoing("thing.happened", 1))
    finally:
        publisher.close()
        with broker.channel() as channel:
            declare_exchange(channel, settings)  # other tests share the exchange

    assert outcome.confirmed == 0
    assert isinstance(outcome.error, pika.exceptions.ChannelClosedByBroker)
    assert after.confirmed == 0 and after.error is outcome.error
    with pytest.raises(pika.exceptions.ChannelClosedByBroker):
        publisher.sleep(0.01)
