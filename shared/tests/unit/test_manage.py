"""The kit's `manage` command: `migrate` for every service, plus a service's own commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldbook_shared import manage
from fieldbook_shared.settings import Settings


def _settings() -> Settings:
    return Settings(service="things", database_url="sqlite://")


def test_migrate_brings_the_database_to_head_with_the_services_queue(monkeypatch, capsys):
    migrated = []
    monkeypatch.setattr(manage, "migrate_service", lambda *args: migrated.append(args))
    handlers = {"customer.created": object()}

    assert manage.main("things", Path("migrations"), handlers, _settings, argv=["migrate"]) == 0

    [(migrations, settings, event_types)] = migrated
    assert migrations == Path("migrations") and settings.service == "things" and event_types is handlers
    assert "things: migrated to head" in capsys.readouterr().err


def test_a_services_own_command_gets_its_arguments_and_gives_the_exit_code(monkeypatch):
    monkeypatch.setattr(manage, "migrate_service", lambda *args: pytest.fail("not a migration"))
    seen = []
    count = manage.Command(
        help="count things",
        run=lambda args: seen.append(args.tenant) or 3,
        arguments=lambda parser: parser.add_argument("--tenant", action="append"),
    )

    argv = ["count", "--tenant", "a", "--tenant", "b"]
    assert manage.main("things", Path("m"), {}, _settings, commands={"count": count}, argv=argv) == 3
    assert seen == [["a", "b"]]


def test_no_command_or_an_unknown_one_is_a_usage_error(capsys):
    for argv in ([], ["frobnicate"]):
        with pytest.raises(SystemExit) as exit_:
            manage.main("things", Path("m"), {}, _settings, argv=argv)
        assert exit_.value.code == 2
    assert "usage: python -m things.manage" in capsys.readouterr().err
