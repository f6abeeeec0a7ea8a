"""`make up` on a fresh checkout ends with a gateway URL and an API key printed, and the printed curl
lists the demo customers; `make down` stops all of it (issue 2, README "the two commands").

The checkout is the repository's files (what `git clone` would give, plus this working tree's
uncommitted changes) copied to a temporary folder without `.venv` or `var/`, so `make up` creates its
own virtualenv, installs every package, migrates the default SQLite databases and starts every web
process, worker, the Sage simulator, the SMS simulator and the SMTP sink on ports of their own
(FIELDBOOK_PORT_BASE),
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
from collections import Counter
from pathlib import Path

import pytest
import requests

from harness.api import private_customer
from harness.infra import allocate

REPO = Path(__file__).resolve().parent.parent
# gateway, the five services, SMTP sink, Sage simulator, SMS simulator
PORT_OFFSETS = (0, 1, 2, 3, 4, 5, 25, 90, 91)
SEQUENCES = 500  # create → invoice → asset, one after another, on the SQLite defaults
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
    "SMS_",
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
    # the gateway's per-key limit (600 a minute) would answer 429 to the 1,500 requests of the
    # SQLite check, sent in about a minute and a half
    env["RATE_LIMIT_PER_MINUTE"] = "100000"
    return env


def printed(pattern: str, output: str) -> str:
    found = re.search(pattern, output, re.MULTILINE)
    assert found, f"`make up` did not print {pattern!r}; it printed:\n{output[-4000:]}"
    return found.group(1)


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
def made_up(checkout):
    """`make up` run once on the fresh checkout: (folder, env, what it printed)."""
    folder, env = checkout
    assert not (folder / ".venv").exists() and not (folder / "var").exists()

    up = subprocess.run(["make", "up"], cwd=folder, env=env, capture_output=True, text=True, timeout=900)
    output = up.stdout + up.stderr
    if up.returncode != 0:
        pytest.fail(f"`make up` failed ({up.returncode}):\n{output[-6000:]}\n{log_tail(folder)}")
    return folder, env, output


def log_tail(folder: Path, size: int = 6000) -> str:
    log = folder / "var" / "log" / "fieldbook.log"
    return "--- var/log/fieldbook.log:\n" + (
        log.read_text(errors="replace")[-size:] if log.exists() else "(no log)"
    )


INVOICE_LINE = {"description": "Boiler service", "quantity": "1", "unit_price": "80.00", "vat_rate": "20"}


def test_on_the_sqlite_default_a_client_never_gets_a_503_for_its_own_requests(made_up):
    """Each service's default database is a SQLite file. A customer created and at once given an
    invoice and an asset: billing and assets are writing the customer's copy (its event) while the
    request writes too. Every write transaction waits for SQLite's write lock (BEGIN IMMEDIATE); a
    deferred one used to be refused at once ("database is locked", a 503) about 1 time in 15."""
    folder, env, output = made_up
    url = printed(r"^\s*gateway\s+(http://\S+)", output)
    key = printed(r"^\s*API key\s+(\S+)", output)
    client = requests.Session()
    client.headers["Authorization"] = f"Bearer {key}"
    answers: Counter[str] = Counter()
    failures: list[str] = []

    def post(path: str, body: dict) -> dict | None:
        response = client.post(f"{url}{path}", json=body, timeout=60)
        answers[f"{path.rsplit('/', 1)[-1]} {response.status_code}"] += 1
        if response.status_code != 201:
            failures.append(f"POST {path} -> {response.status_code} {response.text[:300]}")
            return None
        return response.json()

    started = time.monotonic()
    for n in range(SEQUENCES):
        # "Zoe …" sorts after every demo customer, which the next test finds on the first page
        body = private_customer(first_name="Zoe", surname=f"Sequence{n}", email=f"s{n}@example.com")
        customer = post("/v1/customers", body)
        if customer is None:
            continue
        post(f"/v1/customers/{customer['id']}/invoices", {"lines": [INVOICE_LINE]})
        post(f"/v1/customers/{customer['id']}/assets", {"serial_number": f"SEQ-{n}-{os.urandom(3).hex()}"})
    took = time.monotonic() - started

    unavailable = sum(count for answer, count in answers.items() if answer.endswith(" 503"))
    assert unavailable == 0 and not failures, (
        f"{SEQUENCES} create → invoice → asset sequences in {took:.0f} s: {dict(answers)}\n"
        + "\n".join(failures[:10])
        + "\n"
        + log_tail(folder)
    )


def test_make_up_on_a_fresh_checkout_prints_a_working_url_and_key_and_make_down_stops_it(made_up):
    folder, env, output = made_up
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

    # an SMS goes to the local SMS simulator and its signed receipt comes back through the gateway
    contact = {"surname": "Fresh", "phones": [{"type": "mobile", "number": "07700 900321"}]}
    texted = requests.post(
        f"{url}/v1/customers",
        headers=headers,
        json=private_customer(surname="Fresh", primary_contact=contact),
        timeout=30,
    ).json()
    sms = requests.post(
        f"{url}/v1/sms", headers=headers, json={"customer_id": texted["id"], "body": "Hello"}, timeout=30
    )
    assert sms.status_code == 202, sms.text
    deadline = time.monotonic() + 60
    while (
        status := requests.get(f"{url}/v1/sms/{sms.json()['id']}", headers=headers, timeout=30).json()[
            "status"
        ]
    ) != "delivered":
        assert time.monotonic() < deadline, f"the SMS is {status}, not delivered\n{log_tail(folder)}"
        time.sleep(0.5)

    # the console's URL and a demo user's login: the page answers, the login works (an admin)
    console = re.search(
        r"^\s*console\s+(http://\S+)\s+log in as (\S+), password (\S+)$", output, re.MULTILINE
    )
    assert console, f"`make up` printed no console line:\n{output[-4000:]}"
    assert console.group(1) == f"{url}/console"
    assert requests.get(f"{url}/console/login", timeout=30).status_code == 200
    login = {"email": console.group(2), "password": console.group(3)}
    session = requests.post(f"{url}/v1/sessions", json=login, timeout=30)
    assert session.status_code == 201 and session.json()["user"]["role"] == "admin", session.text

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
