"""`fieldbook-dead-letters`: see and replay the messages a service's consumer gave up on.

    fieldbook-dead-letters --service billing list [--limit 50]
    fieldbook-dead-letters --service billing replay --id <message id>
    fieldbook-dead-letters --service billing replay --all

`list` takes messages without acking them and puts them all back at the end, so nothing is
consumed. `replay` republishes the original body and properties straight to the service's own
queue (default exchange, routing key = queue name) with publisher confirms, and only then acks
the dead copy: a crash in between leaves a duplicate, which the consumer's inbox absorbs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from ..settings import Settings
from .topology import connect

BODY_PREVIEW = 200


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fieldbook-dead-letters", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--service", required=True, help="service whose dead letters to handle, e.g. customers"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="print dead messages without consuming them")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    replay = commands.add_parser("replay", help="send dead messages back to the service's queue")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", dest="message_id", help="the message id (the event id) to replay")
    which.add_argument("--all", action="store_true", help="replay every dead message")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on a usage error; this tool promises 0 or 1
        return 0 if exc.code in (0, None) else 1

    settings = Settings.from_env(args.service)
    try:
        connection = connect(settings, name=f"{settings.service}.dead-letters")
    except (pika.exceptions.AMQPError, OSError) as exc:
        detail = str(exc) or repr(exc)
        print(f"error: cannot connect to the broker ({detail}); check AMQP_URL", file=sys.stderr)
        return 1
    try:
        channel = connection.channel()
        try:
            waiting = channel.queue_declare(settings.dead_letter_queue, passive=True).method.message_count
        except pika.exceptions.ChannelClosedByBroker as exc:
            print(
                f"error: no queue {settings.dead_letter_queue} ({exc.reply_text}); has the worker run?",
                file=sys.stderr,
            )
            return 1
        if args.command == "list":
            return _list(channel, settings, min(args.limit, waiting), waiting)
        return _replay(channel, settings, waiting, args.message_id)
    except (pika.exceptions.AMQPError, OSError) as exc:
        print(f"error: broker failure ({str(exc) or repr(exc)})", file=sys.stderr)
        return 1
    finally:
        if connection.is_open:
            connection.close()


def _list(channel: BlockingChannel, settings: Settings, limit: int, waiting: int) -> int:
    """Take up to `limit` messages unacked (so none is fetched twice), print, then requeue all."""
    taken = []
    for _ in range(max(limit, 0)):
        method, properties, body = channel.basic_get(settings.dead_letter_queue, auto_ack=False)
        if method is None:
            break
        taken.append(method.delivery_tag)
        print(describe(len(taken), properties, body))
    for tag in taken:
        channel.basic_nack(tag, requeue=True)
    print(f"listed {len(taken)} of {waiting} dead message(s) in {settings.dead_letter_queue}")
    return 0


def _replay(channel: BlockingChannel, settings: Settings, waiting: int, message_id: str | None) -> int:
    """Republish the chosen dead messages to the service's queue, ack each only once confirmed."""
    channel.confirm_delivery()
    kept, replayed = [], 0
    try:
        for _ in range(waiting):  # a snapshot: a message that dies again while we run waits for next time
            method, properties, body = channel.basic_get(settings.dead_letter_queue, auto_ack=False)
            if method is None:
                break
            if message_id is not None and properties.message_id != message_id:
                kept.append(method.delivery_tag)
                continue
            headers = {k: v for k, v in (properties.headers or {}).items() if k != "x-delivery-count"}
            properties.headers = headers
            try:
                channel.basic_publish("", settings.queue, body, properties=properties, mandatory=True)
            except pika.exceptions.UnroutableError:
                kept.append(method.delivery_tag)
                print(
                    f"error: queue {settings.queue} does not exist; stopped after {replayed}", file=sys.stderr
                )
                return 1
            channel.basic_ack(method.delivery_tag)
            replayed += 1
            print(f"replayed {properties.message_id} ({_text(properties.type) or '?'}) to {settings.queue}")
            if message_id is not None:
                break
    finally:
        if channel.is_open:  # a closed channel returns its unacked messages by itself
            for tag in kept:
                channel.basic_nack(tag, requeue=True)
    if message_id is not None and not replayed:
        print(f"error: no dead message with id {message_id} in {settings.dead_letter_queue}", file=sys.stderr)
        return 1
    print(f"{replayed} message(s) replayed to {settings.queue}")
    return 0


def describe(position: int, properties: pika.BasicProperties, body: bytes) -> str:
    """One line per dead message: what it is, whose, why it died, and the start of its body."""
    headers = properties.headers or {}
    tenant = headers.get("tenantid", "-")
    deaths = headers.get("x-death") or [{}]
    last = deaths[0]
    routing_keys = last.get("routing-keys") or []
    why = (
        f"deaths={last.get('count', '?')} reason={_text(last.get('reason', '?'))}"
        f" from={_text(last.get('queue', '?'))}"
    )
    preview = body[:BODY_PREVIEW].decode("utf-8", errors="replace").replace("\n", " ")
    event_type = _text(properties.type) or (_text(routing_keys[0]) if routing_keys else "?")
    message_id = properties.message_id or "-"
    return f"{position:>4}  {message_id}  {event_type}  tenant={_text(tenant)}  {why}  {preview}"


def _text(value: object) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value or "")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
