"""A read model's snapshot events as a consumer's handler.

A service keeps its copy of another service's records with two functions of the snapshot's data:
one for a snapshot alone and one for a run of them in order (`ReadModel.take` / `take_many`).
`snapshot_handler` makes the consumer's `BatchHandler` of them: each event's `data` to the first,
a run of events' `data` to the second (docs/architecture.md §4, batch handlers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..events import Event
from ..read_model import ReadModel
from .consumer import BatchHandler


def snapshot_handler(
    take_one: Callable[[Any, dict], object], take_many: Callable[[Any, list[dict]], object]
) -> BatchHandler:
    """The handler of a record's snapshot events: `take_one(uow, data)` for an event alone,
    `take_many(uow, [data, ...])` for a run of them (what they answer is not used)."""

    def one(uow: Any, event: Event) -> None:
        take_one(uow, event.data)

    def many(uow: Any, events: list[Event]) -> None:
        take_many(uow, [event.data for event in events])

    return BatchHandler(one, many)


def copy_handler(
    read_model: ReadModel,
    copy: Callable[[Any, dict], object],
    required: Callable[[dict], dict] | None = None,
) -> BatchHandler:
    """The handler of a read model's snapshot events when keeping one is `copy(row, data)` on the
    copy a newer snapshot reaches (`ReadModel.keep` alone, `keep_many` for a run); `required(data)`
    gives the columns a new copy needs."""
    return snapshot_handler(
        lambda uow, data: read_model.keep(uow.session, uow.tenant_id, data, copy, required),
        lambda uow, snapshots: read_model.keep_many(uow.session, uow.tenant_id, snapshots, copy, required),
    )
