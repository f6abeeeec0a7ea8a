"""Stand-ins for pika's channel and connection, for the consumer's tests: what a delivery was
settled with, and the I/O thread's callbacks run at once."""

from __future__ import annotations


class RecordingChannel:
    """A consumer's channel that records how each delivery was settled, as (how, delivery tag)."""

    is_open = True

    def __init__(self) -> None:
        self.settled: list[tuple[str, int]] = []

    def basic_ack(self, tag, multiple: bool = False) -> None:
        if not multiple:
            self.settled.append(("ack", tag))
            return
        # as the broker: every delivery up to `tag` not settled yet (the tests' tags count from 1)
        done = {t for _how, t in self.settled}
        self.settled += [("ack", t) for t in range(1, tag + 1) if t not in done]

    def basic_nack(self, tag, requeue: bool) -> None:
        self.settled.append(("requeue" if requeue else "nack", tag))

    def basic_reject(self, tag, requeue: bool) -> None:
        self.settled.append(("reject", tag))


class InlineConnection:
    """Runs the thread-safe callback at once, as the I/O thread would soon after; a timer's
    callback at once too, its delay kept in `timers`."""

    def __init__(self) -> None:
        self.timers: list[float] = []

    def add_callback_threadsafe(self, callback) -> None:
        callback()

    def call_later(self, delay: float, callback) -> None:
        self.timers.append(delay)
        callback()
