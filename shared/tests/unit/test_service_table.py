"""The service table: the one list of services the Makefile, make up, the gateway and deploy read."""

import subprocess
import sys
from pathlib import Path

from fieldbook_shared import service_table

ROOT = Path(__file__).resolve().parents[3]


def test_every_row_names_a_package_folder():
    for service in service_table.SERVICES:
        assert (ROOT / service.folder / "pyproject.toml").exists(), service.name
        assert set(service.processes) <= {"web", "worker"} and "web" in service.processes


def test_names_ports_and_routes_are_unique():
    names = [s.name for s in service_table.SERVICES]
    ports = [s.port_offset for s in service_table.SERVICES]
    routes = [r for s in service_table.SERVICES for r in s.routes]
    assert len(set(names)) == len(names)
    assert len(set(ports)) == len(ports)
    assert len(set(routes)) == len(routes)


def test_internal_url_variable_follows_the_name():
    # scripts/up.sh exports <NAME>_URL for every service, so the table must agree with that rule.
    for service in service_table.upstreams():
        assert service.url_env == service.name.upper().replace("-", "_") + "_URL"


def test_the_makefile_asks_it_with_a_plain_python():
    # Before the virtualenv exists: the file runs by its path, standard library only.
    script = ROOT / "shared" / "src" / "fieldbook_shared" / "service_table.py"
    out = subprocess.run([sys.executable, "-I", str(script), "packages"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["shared", *(s.folder for s in service_table.SERVICES)]


def test_internal_url_from_the_variable_else_the_local_port():
    assert service_table.internal_url("billing", {}) == "http://127.0.0.1:8002"
    assert (
        service_table.internal_url("billing", {"BILLING_URL": "http://billing-web:8002"})
        == "http://billing-web:8002"
    )


def test_a_client_is_no_upstream_of_the_gateway():
    # the console is served at /console, never routed to from /v1: no routes, not an upstream
    clients = [s for s in service_table.SERVICES if s.kind == "client"]
    assert [s.name for s in clients] == ["console"]
    assert all(not s.routes and s not in service_table.upstreams() for s in clients)
    assert service_table.internal_url("console", {}) == "http://127.0.0.1:8009"
