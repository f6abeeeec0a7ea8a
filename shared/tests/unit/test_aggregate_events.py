"""Aggregates record their events; the unit of work writes them to the outbox when it commits,
each payload dumped through the event catalogue's schema, in the order they were recorded."""

from __future__ import annotations

import gc
import json

from kit_support import TENANT, EffectsBase, outbox_rows
from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldbook_shared.aggregate import Aggregate
from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import new_id
from fieldbook_shared.uow import UnitOfWork


class Site(Aggregate, EffectsBase):
    """A model shaped like a branch: what `branch.*` (BranchData) reads, a version and behaviour."""

    __tablename__ = "test_sites"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    customer_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(50))
    town: Mapped[str | None] = mapped_column(String(100))
    phones: Mapped[list] = mapped_column(JSON, default=list)
    emails: Mapped[list] = mapped_column(JSON, default=list)
    default_contact_id: Mapped[str | None] = mapped_column(String(36))

    __mapper_args__ = {"version_id_col": version}

    @property
    def address(self) -> dict:
        return {
            "line_1": None,
            "line_2": None,
            "line_3": None,
            "town": self.town,
            "county": None,
            "postcode": None,
        }

    def rename(self, name: str) -> None:
        self.name = name
        self.record("branch.updated")


def open_uow(sessions) -> UnitOfWork:
    return UnitOfWork(sessions, RequestContext(tenant_id=TENANT, actor="alice"), source="test")


def payloads(sessions) -> list[tuple[str, str | None, dict]]:
    return [(row.event_type, row.subject, json.loads(row.payload)["data"]) for row in outbox_rows(sessions)]


def add_site(sessions, name: str = "Depot") -> str:
    uow = open_uow(sessions)
    with uow:
        site = Site(customer_id="c1", name=name, town="Leeds")
        uow.session.add(site)
        site.record("branch.created")
        uow.commit()
        return site.id


def test_recorded_events_are_written_at_commit_through_the_catalogue_schema(sqlite_sessions):
    site_id = add_site(sqlite_sessions)

    [(event_type, subject, data)] = payloads(sqlite_sessions)
    assert (event_type, subject) == ("branch.created", site_id)
    assert data == {
        "id": site_id,
        "customer_id": "c1",
        "version": 1,  # after the flush: what the database holds
        "name": "Depot",
        "code": None,
        "address": {
            "line_1": None,
            "line_2": None,
            "line_3": None,
            "town": "Leeds",
            "county": None,
            "postcode": None,
        },
        "phones": [],
        "emails": [],
        "default_contact_id": None,
    }


def test_events_keep_the_order_they_were_recorded_in_across_aggregates_and_publish(sqlite_sessions):
    first, second = add_site(sqlite_sessions, "A"), add_site(sqlite_sessions, "B")
    uow = open_uow(sqlite_sessions)
    with uow:
        a, b = uow.session.get(Site, first), uow.session.get(Site, second)
        b.rename("B2")
        a.rename("A2")
        uow.publish("branch.merged", {"customer_id": "c1", "survivor_id": a.id, "merged_id": "gone"})
        b.rename("B3")
        uow.collect()  # b changes again below: its event carries it as it is now
        b.code = "X"
        uow.commit()

    rows = payloads(sqlite_sessions)[2:]
    assert [(t, d.get("name"), d.get("version")) for t, _, d in rows] == [
        ("branch.updated", "B2", 2),
        ("branch.updated", "A2", 2),
        ("branch.merged", None, None),
        ("branch.updated", "B3", 3),  # its second change: a second version
    ]


def test_extra_fields_travel_beside_the_aggregate(sqlite_sessions):
    site_id = add_site(sqlite_sessions)
    uow = open_uow(sqlite_sessions)
    with uow:
        site = uow.session.get(Site, site_id)
        site.record("branch.updated", name="given, not read")
        uow.commit()
    assert payloads(sqlite_sessions)[-1][2]["name"] == "given, not read"


def test_nothing_recorded_is_written_without_a_commit(sqlite_sessions):
    site_id = add_site(sqlite_sessions)
    uow = open_uow(sqlite_sessions)
    with uow:
        uow.session.get(Site, site_id).rename("left")  # no commit
    with uow:
        site = uow.session.get(Site, site_id)
        site.rename("rolled back")
        uow.rollback()
        uow.commit()
    assert [t for t, _, _ in payloads(sqlite_sessions)] == ["branch.created"]


def test_a_nested_commit_collects_and_the_outer_one_commits(sqlite_sessions):
    site_id = add_site(sqlite_sessions)
    uow = open_uow(sqlite_sessions)
    with uow:
        with uow:
            uow.session.get(Site, site_id).rename("inner")
            uow.commit()
        assert [e.type for e in uow.published] == ["branch.updated"]  # in the outbox, not committed yet
        uow.commit()
    assert [t for t, _, _ in payloads(sqlite_sessions)] == ["branch.created", "branch.updated"]


def test_a_recorded_aggregate_no_one_holds_any_more_is_still_written(sqlite_sessions):
    site_id = add_site(sqlite_sessions)
    uow = open_uow(sqlite_sessions)
    with uow:
        uow.session.get(Site, site_id).rename("flushed")
        uow.session.flush()  # clean again: the session alone holds it only weakly
        gc.collect()
        uow.commit()
    assert payloads(sqlite_sessions)[-1][2]["name"] == "flushed"


def test_an_aggregate_recorded_before_it_joins_the_session_is_written(sqlite_sessions):
    uow = open_uow(sqlite_sessions)
    with uow:
        site = Site(customer_id="c1", name="later")
        site.record("branch.created")  # not in a session yet
        uow.session.add(site)
        uow.commit()
    assert [t for t, _, _ in payloads(sqlite_sessions)] == ["branch.created"]


def test_a_failed_savepoint_undoes_its_writes_and_events_and_keeps_what_came_before(sqlite_sessions):
    kept_id = add_site(sqlite_sessions, "Kept")
    uow = open_uow(sqlite_sessions)
    with uow:
        kept = uow.session.get(Site, kept_id)
        kept.rename("Renamed before")  # recorded before the savepoint: stays
        try:
            with uow.savepoint():
                failed = Site(customer_id="c1", name="Refused", town="York")
                uow.session.add(failed)
                failed.record("branch.created")
                uow.session.flush()
                raise ValueError("refused")
        except ValueError:
            pass
        uow.commit()

    assert [(t, d["name"]) for t, _, d in payloads(sqlite_sessions)] == [
        ("branch.created", "Kept"),
        ("branch.updated", "Renamed before"),
    ]
    with sqlite_sessions() as session:
        assert [s.name for s in session.query(Site).all()] == ["Renamed before"]
