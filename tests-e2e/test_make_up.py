"""`make up` on a fresh checkout ends with a gateway URL and an API key printed, and the printed curl
lists the demo customers; `make down` stops all of it (issue 2, README "the two commands").

The checkout is the repository's files (what `git clone` would give, plus this working tree's
uncommitted changes) copied to a temporary folder without `.venv` or `var/`, so `make up` creates its
own virtualenv, installs every package, migrates the default SQLite databases and starts every web
process, worker, the Sage simulator and the SMTP sink on ports of their own (FIELDBOOK_PORT_BASE),
on a vhost of its own of the suite's broker.
"""

from __future__ import annotations

import json
import os
import random
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from harness.api import private_customer
from harness.infra import allocate

REPO = Path(__file__).resolve().parent.parent
PORT_OFFSETS = (0, 1, 2, 3, 4, 5, 25, 90)  # gateway, the five services, SMTP sink, Sage simulator
DEMO_CUSTOMERS = {
    "Thornton",
    "Okafor",
    "Pennine Property Services Ltd",
    "Patel",
    "Dales Holiday Cottages Ltd",
}
# Settings of the suite's own processes that must not leak into the fresh stack's defaults.
STRIPPED_PREFIXES = (
    "DATABASE_URL",
    "E2E_",
    "FIELDBOOK_",
    "SMTP_",
    "SAGE_",
    "GATEWAY_",
    "PROMETHEUS_",
    "PYTEST",
)
STRIPPED = {
    "INTERNAL_TOKEN",
    "AMQP_URL",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "TESTING",
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
}


def _free(port: int) -> bool:
    """Nothing listens on the port and a server could bind it (as gunicorn does, with SO_REUSEADDR:
    connections in TIME_WAIT after a stop do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_base() -> int:
    for _ in range(200):
        base = random.randrange(20000, 32000, 100)  # below the kernel's ephemeral ports (32768-)
        if all(_free(base + offset) for offset in PORT_OFFSETS):
            return base
    raise AssertionError("no free block of ports for a second Fieldbook stack")


def fresh_checkout(target: Path) -> None:
    """The files `git clone` gives (tracked ones) plus new, not ignored ones of this working tree."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = REPO / name
        if not source.is_file():  # deleted in the working tree
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)


def clean_environment(amqp_url: str, port_base: int) -> dict[str, str]:
    venv_bin = str(REPO / ".venv" / "bin")
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in STRIPPED and not name.startswith(STRIPPED_PREFIXES) and not name.endswith("_URL")
    }
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env["AMQP_URL"] = amqp_url
    env["FIELDBOOK_PORT_BASE"] = str(port_base)
    env["UP_TIMEOUT"] = "180"
    return env


def printed(pattern: str, output: str) -> str:
    found = re.search(pattern, output, re.MULTILINE)
    assert found, f"`make up` did not print {pattern!r}; it printed:\n{output[-4000:]}"
    return found.group(1)


@pytest.fixture
def checkout(infra):
    resources = allocate(infra, f"up{os.urandom(3).hex()}", services=[])
    folder = Path(tempfile.mkdtemp(prefix="fieldbook-fresh-"))
    env = clean_environment(resources.amqp_url, free_port_base())
    try:
        fresh_checkout(folder)
        yield folder, env
    finally:
        subprocess.run(["make", "down"], cwd=folder, env=env, capture_output=True, timeout=120)
        resources.release()
        shutil.rmtree(folder, ignore_errors=True)


def test_make_up_on_a_fresh_checkout_prints_a_working_url_and_key_and_make_down_stops_it(checkout):
    folder, env = checkout
    assert not (folder / ".venv").exists() and not (folder / "var").exists()

    up = subprocess.run(["make", "up"], cwd=folder, env=env, capture_output=True, text=True, timeout=900)
    output = up.stdout + up.stderr
    if up.returncode != 0:
        log = folder / "var" / "log" / "fieldbook.log"
        tail = log.read_text(errors="replace")[-6000:] if log.exists() else "(no log)"
        pytest.fail(
            f"`make up` failed ({up.returncode}):\n{output[-6000:]}\n--- var/log/fieldbook.log:\n{tail}"
        )
    assert (folder / ".venv" / "bin" / "python").exists(), "make up made no virtualenv of its own"

    url = printed(r"^\s*gateway\s+(http://\S+)", output)
    key = printed(r"^\s*API key\s+(\S+)", output)
    assert url == f"http://127.0.0.1:{env['FIELDBOOK_PORT_BASE']}"
    curl = printed(r"^\s*(curl .*)$", output)
    assert key in curl and url in curl

    # the printed curl, as a user would paste it
    listed = subprocess.run(
        shlex.split(curl) + ["--fail-with-body"], capture_output=True, text=True, timeout=30
    )
    assert listed.returncode == 0, f"{curl} failed: {listed.stdout} {listed.stderr}"
    body = json.loads(listed.stdout)
    names = [customer["display_name"] for customer in body]
    missing = [demo for demo in DEMO_CUSTOMERS if not any(demo in name for name in names)]
    assert not missing, f"the demo customers {missing} are not listed: {names}"

    # the key is an admin key of the demo tenant: it can write too, and a wrong key cannot read
    headers = {"Authorization": f"Bearer {key}"}
    created = requests.post(
        f"{url}/v1/customers", headers=headers, json=private_customer(surname="Fresh"), timeout=30
    )
    assert created.status_code == 201, created.text
    assert (
        requests.get(f"{url}/v1/customers", headers={"Authorization": "Bearer wrong"}, timeout=30).status_code
        == 401
    )

    # make up again: already running, the same key still works (nothing is made twice)
    again = subprocess.run(["make", "up"], cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert printed(r"^\s*API key\s+(\S+)", again.stdout) == key

    down = subprocess.run(["make", "down"], cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    assert down.returncode == 0, down.stdout + down.stderr
    base = int(env["FIELDBOOK_PORT_BASE"])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(_free(base + offset) for offset in PORT_OFFSETS):
        time.sleep(0.5)
    still_open = [base + offset for offset in PORT_OFFSETS if not _free(base + offset)]
    assert not still_open, f"make down left ports {still_open} open"
