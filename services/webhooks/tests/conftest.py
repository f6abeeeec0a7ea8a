"""Unit-test fixtures: the kit's (`fieldbook_shared.pytest_plugin`: the webhooks app on a migrated
SQLite file, `api`, `outbox`, the in-memory `bus`), a partner's endpoint (a real HTTP server on
127.0.0.1 that records what it receives), and the sender under the test settings."""

from __future__ import annotations

import threading

import pytest

from fieldbook_shared.recording_endpoint import RecordingEndpoint
from fieldbook_shared.testing import ServiceUnderTest
from webhooks.app import create_app
from webhooks.handlers import HANDLERS
from webhooks.manage import MIGRATIONS
from webhooks.sending import Sender
from webhooks.settings import load_settings
from webhooks.uow import WebhooksUnitOfWork

pytest_plugins = ["fieldbook_shared.pytest_plugin"]


@pytest.fixture
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest(
        "webhooks",
        MIGRATIONS,
        load_settings,
        create_app,
        WebhooksUnitOfWork,
        HANDLERS,
        # the partner's endpoint below listens on 127.0.0.1; retries come at once
        settings_overrides={"webhook_allow_private_urls": True, "webhook_retry_base_seconds": 0.0},
    )


@pytest.fixture
def partner():
    """A partner's endpoint: what it received (body and headers), answering `status`."""
    p = RecordingEndpoint("/hooks")
    yield p
    p.close()


@pytest.fixture
def sender(settings, sessions, uow_factory) -> Sender:
    return Sender(settings, sessions, uow_factory)


def send_all(sender: Sender) -> int:
    """Run the sender until nothing is due; how many attempts it made."""
    stop, total = threading.Event(), 0
    while n := sender.step(stop):
        total += n
    return total
