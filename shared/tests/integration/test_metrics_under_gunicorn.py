"""`/metrics` adds up every gunicorn worker's samples (PROMETHEUS_MULTIPROC_DIR), not one worker's."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from kit_support import wait_until
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
REQUESTS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        # generous: on a loaded two-core machine a fresh gunicorn worker can take seconds to answer
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.read()
    except (urllib.error.URLError, ConnectionError):
        return 0, b""


def requests_counted(metrics_text: str, endpoint: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == "fieldbook_http_requests_total" and sample.labels["endpoint"] == endpoint:
                total += sample.value
    return total


def test_metrics_sum_the_requests_of_every_gunicorn_worker(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "4",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.db'}",
        "LOG_LEVEL": "warning",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:fieldbook_shared.gunicorn_conf",
            "--pythonpath",
            str(HERE),
            "--bind",
            f"127.0.0.1:{port}",
            "metrics_app:create()",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: get(f"{base}/healthz")[0] == 200, timeout=15, what="gunicorn to answer")
        headers = {"X-Tenant-Id": "t1"}
        pids: set[int] = set()
        sent = 0
        with ThreadPoolExecutor(max_workers=8) as pool:
            # at least REQUESTS, and until both workers have answered (the second may still be booting)
            while len(pids) < 2 or sent < REQUESTS:
                assert sent < 50 * REQUESTS, f"only worker(s) {pids} answered"
                answers = list(pool.map(lambda _: get(f"{base}/v1/pid", headers), range(20)))
                assert [status for status, _ in answers] == [200] * 20
                pids.update(json.loads(body)["pid"] for _, body in answers)
                sent += 20

        status, body = get(f"{base}/metrics")
        assert status == 200
        assert requests_counted(body.decode(), "/v1/pid") == sent
    finally:
        process.terminate()
        try:
            _, stderr = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
    assert process.returncode == 0, stderr.decode(errors="replace")[-2000:]
