"""`make up` with another FIELDBOOK_PORT_BASE is another stack: it gets a RabbitMQ vhost of its own
without being told (scripts/devstack.py amqp-url, called by scripts/up.sh), so two stacks on one
machine never share a queue. The script's logic with fakes, its management-API call against a
small local server, and, where the local rabbitmqctl drives the broker, the real thing."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from harness.infra import broker_answers, local_rabbitmqctl

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "devstack.py"
_spec = importlib.util.spec_from_file_location("devstack", SCRIPT)
devstack = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(devstack)

LOCAL = "amqp://guest:guest@127.0.0.1:5672/%2F"


def test_the_first_stack_keeps_amqp_url_and_another_port_base_gets_a_vhost_of_its_own():
    assert devstack.stack_amqp_url(LOCAL, 8000) == LOCAL
    assert devstack.stack_amqp_url(LOCAL, 28800) == "amqp://guest:guest@127.0.0.1:5672/fieldbook-28800"
    assert (
        devstack.stack_amqp_url("amqp://u:p@mq.example:5673/", 9000)
        == "amqp://u:p@mq.example:5673/fieldbook-9000"
    )
    assert devstack.stack_amqp_url(LOCAL, 28800) != devstack.stack_amqp_url(LOCAL, 28900)
    # a vhost named in AMQP_URL was chosen on purpose: kept, whatever the port base
    assert devstack.stack_amqp_url("amqp://guest:guest@127.0.0.1:5672/mine", 28800).endswith("/mine")


def fake_broker(existing: set[str], up: bool = True):
    def answers(url: str) -> str | None:
        return None if up and devstack.vhost_of(url) in existing else "refused"

    return answers


def test_an_existing_vhost_is_used_as_it_is():
    calls = []
    url = devstack.stack_amqp_url(LOCAL, 28800)
    creators = (lambda u, v: calls.append(v),)
    assert devstack.ensure_vhost(url, fake_broker({"/", "fieldbook-28800"}), creators) is None
    assert calls == []


def test_a_missing_vhost_is_created_by_the_first_way_that_works():
    existing = {"/"}
    tried = []

    def rabbitmqctl(url, vhost):
        tried.append("rabbitmqctl")
        return "no rabbitmqctl for this broker"

    def management_api(url, vhost):
        tried.append("management")
        existing.add(vhost)
        return None

    url = devstack.stack_amqp_url(LOCAL, 28800)
    assert devstack.ensure_vhost(url, fake_broker(existing), (rabbitmqctl, management_api)) is None
    assert tried == ["rabbitmqctl", "management"] and "fieldbook-28800" in existing


def test_when_no_way_works_it_says_how_to_create_the_vhost_by_hand():
    url = devstack.stack_amqp_url(LOCAL, 28800)
    why = devstack.ensure_vhost(
        url, fake_broker({"/"}), (lambda u, v: "no rabbitmqctl", lambda u, v: "HTTP 401")
    )
    assert "rabbitmqctl add_vhost fieldbook-28800" in why
    assert "set_permissions -p fieldbook-28800 guest" in why and "AMQP_URL" in why


def test_a_broker_that_does_not_answer_is_left_to_the_preflight():
    url = devstack.stack_amqp_url(LOCAL, 28800)
    assert (
        devstack.ensure_vhost(url, fake_broker(set(), up=False), (lambda u, v: pytest.fail("asked"),)) is None
    )


def test_the_management_api_is_asked_for_the_vhost_and_the_users_permissions():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.path, self.headers["Authorization"], json.loads(body)))
            self.send_response(201)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = "amqp://fb:s%40cret@127.0.0.1:5672/fieldbook-28800"
        management = f"http://127.0.0.1:{server.server_port}"
        assert devstack._management_api(url, "fieldbook-28800", management) is None
    finally:
        server.shutdown()
    auth = "Basic " + base64.b64encode(b"fb:s@cret").decode()
    assert seen == [
        ("/api/vhosts/fieldbook-28800", auth, {}),
        ("/api/permissions/fieldbook-28800/fb", auth, {"configure": ".*", "write": ".*", "read": ".*"}),
    ]


def test_two_stacks_on_the_local_broker_get_two_vhosts_without_being_told(infra):
    """scripts/devstack.py amqp-url as up.sh runs it, on the suite's broker when rabbitmqctl drives it."""
    base_url = devstack.with_vhost(infra.amqp_url, "/")
    # (a testcontainers broker is not the one the local rabbitmqctl drives)
    if infra.source != "env" or local_rabbitmqctl(base_url) is None or broker_answers(base_url) is not None:
        pytest.skip("needs the local broker and rabbitmqctl")
    bases = [20000 + int.from_bytes(os.urandom(2), "big") % 10000 * 2 + i for i in range(2)]
    urls = []
    try:
        for base in bases:
            env = {**os.environ, "AMQP_URL": base_url, "FIELDBOOK_PORT_BASE": str(base)}
            done = subprocess.run(
                [sys.executable, str(SCRIPT), "amqp-url"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
            urls.append(done.stdout.strip())
        assert [devstack.vhost_of(u) for u in urls] == [f"fieldbook-{b}" for b in bases]
        assert all(broker_answers(u) is None for u in urls)  # created, and the user may use it
    finally:
        for base in bases:
            subprocess.run(["rabbitmqctl", "-q", "delete_vhost", f"fieldbook-{base}"], capture_output=True)
