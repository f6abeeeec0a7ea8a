"""A read model's snapshot functions as a consumer's handler: a run of events at once, one alone."""

from __future__ import annotations

from kit_support import TENANT, uow_factory

from fieldbook_shared.events import build_event
from fieldbook_shared.messaging.consumer import apply_event, apply_events
from fieldbook_shared.messaging.snapshots import copy_handler, snapshot_handler


def snapshot(customer_id: str):
    return build_event(
        "customer.deleted", source="customers", tenant_id=TENANT, data={"customer_id": customer_id}
    )


def recording_handler(calls: list):
    return snapshot_handler(
        lambda uow, data: calls.append(("one", uow.tenant_id, data["customer_id"])),
        lambda uow, snapshots: calls.append(("many", uow.tenant_id, [d["customer_id"] for d in snapshots])),
    )


def test_a_run_of_snapshots_goes_to_take_many_with_their_data_in_order(sqlite_sessions):
    calls: list = []

    results = apply_events(
        uow_factory(sqlite_sessions),
        {"customer.deleted": recording_handler(calls)},
        [snapshot("c1"), snapshot("c2"), snapshot("c3")],
    )

    assert results == ["applied"] * 3
    assert calls == [("many", TENANT, ["c1", "c2", "c3"])]


def test_a_snapshot_alone_goes_to_take_one_with_its_data(sqlite_sessions):
    calls: list = []

    apply_event(uow_factory(sqlite_sessions), {"customer.deleted": recording_handler(calls)}, snapshot("c1"))

    assert calls == [("one", TENANT, "c1")]


class RecordingReadModel:
    """Stands in for a ReadModel: records what the handler asks of it."""

    def __init__(self) -> None:
        self.calls: list = []

    def keep(self, session, tenant_id, data, copy, required=None):
        self.calls.append(("keep", tenant_id, data["customer_id"], copy, required))

    def keep_many(self, session, tenant_id, snapshots, copy, required=None):
        self.calls.append(("keep_many", tenant_id, [d["customer_id"] for d in snapshots], copy, required))


def test_a_copy_handler_keeps_a_run_together_and_an_event_alone_with_its_copy_and_required(sqlite_sessions):
    model = RecordingReadModel()

    def copy(row, data):
        return None

    def required(data):
        return {}

    handlers = {"customer.deleted": copy_handler(model, copy, required)}  # type: ignore[arg-type]

    apply_events(uow_factory(sqlite_sessions), handlers, [snapshot("c1"), snapshot("c2")])
    apply_event(uow_factory(sqlite_sessions), handlers, snapshot("c3"))

    assert model.calls == [
        ("keep_many", TENANT, ["c1", "c2"], copy, required),
        ("keep", TENANT, "c3", copy, required),
    ]
