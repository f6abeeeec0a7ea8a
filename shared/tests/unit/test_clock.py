"""The clock (fieldbook_shared.clock): the real time in production; with the test clock on, the time
in the service's test_clock table, set over PUT /internal/clock with the internal token."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from kit_support import create_schema

from fieldbook_shared import clock
from fieldbook_shared.context import INTERNAL_TOKEN_HEADER
from fieldbook_shared.db import create_engine, utcnow
from fieldbook_shared.settings import Settings
from fieldbook_shared.web import create_service_app

TOKEN = "clock-token"
FEB_29 = datetime(2028, 2, 29, 9, 30, tzinfo=UTC)


@pytest.fixture
def make_app(tmp_path):
    url = f"sqlite:///{tmp_path / 'clock.db'}"
    engine = create_engine(url)
    create_schema(engine)
    engine.dispose()

    def make(test_clock: bool):
        settings = Settings(service="kit-test", database_url=url, internal_token=TOKEN, test_clock=test_clock)
        return create_service_app(settings, title="clock", blueprints=[])

    yield make
    clock.install(Settings(service="kit-test", database_url=url))  # the real time for later tests


def put(client, body, token=TOKEN):
    return client.put(clock.PATH, json=body, headers={INTERNAL_TOKEN_HEADER: token})


def test_without_the_setting_the_clock_is_the_real_time_and_has_no_route(make_app):
    client = make_app(test_clock=False).test_client()
    before = utcnow()
    assert before <= clock.now() <= utcnow()
    assert clock.today() == utcnow().date()
    assert put(client, {"now": FEB_29.isoformat()}).status_code == 404
    assert clock.now() >= before  # nothing was set


def test_the_test_clock_stands_where_it_was_set_for_every_reader(make_app):
    client = make_app(test_clock=True).test_client()
    assert abs(clock.now() - utcnow()) < timedelta(seconds=5)  # nothing set yet: the real time

    answer = put(client, {"now": "2028-02-29T09:30:00+00:00"})

    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json() == {"now": FEB_29.isoformat(), "test_clock": True}
    assert clock.now() == FEB_29
    assert clock.today() == date(2028, 2, 29)
    # another process of the same service reads the same table
    other = make_app(test_clock=True).test_client()
    assert (
        other.get(clock.PATH, headers={INTERNAL_TOKEN_HEADER: TOKEN}).get_json()["now"] == FEB_29.isoformat()
    )

    assert client.delete(clock.PATH, headers={INTERNAL_TOKEN_HEADER: TOKEN}).status_code == 204
    assert abs(clock.now() - utcnow()) < timedelta(seconds=5)


def test_a_ticking_test_clock_runs_on_from_where_it_was_set(make_app):
    client = make_app(test_clock=True).test_client()
    assert put(client, {"now": FEB_29.isoformat(), "ticking": True}).status_code == 200
    assert FEB_29 <= clock.now() < FEB_29 + timedelta(seconds=5)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "now"),
        ({"now": "2028-02-29T09:30:00"}, "now"),
        ({"now": "soon"}, "now"),
        ({"now": FEB_29.isoformat(), "x": 1}, "x"),
    ],
)
def test_a_time_without_its_zone_or_a_stray_field_is_a_422_naming_it(make_app, body, field):
    client = make_app(test_clock=True).test_client()
    answer = put(client, body)
    assert answer.status_code == 422
    assert field in answer.get_json()["errors"]


def test_the_clock_route_needs_the_internal_token(make_app):
    client = make_app(test_clock=True).test_client()
    assert put(client, {"now": FEB_29.isoformat()}, token="wrong").status_code == 401
    assert clock.now() != FEB_29


def test_set_to_needs_a_zone():
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set_to(None, datetime(2028, 2, 29))  # type: ignore[arg-type]
