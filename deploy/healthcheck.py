#!/usr/bin/env python3
"""The image's HEALTHCHECK: probes what this container runs (the entry point wrote its process type).

  web      GET http://127.0.0.1:$PORT/healthz answers 200
  worker   GET http://127.0.0.1:$WORKER_METRICS_PORT/metrics answers 200 when the port is set
           (a worker whose relay or consumer dies exits by itself, so without the port: healthy)
  migrate  a one-off: healthy while it runs
  command  anything else: a TCP connect to $HEALTHCHECK_TCP_PORT when set (e.g. the SMTP sink)

Standard library only, exit 0 = healthy, 1 = unhealthy; one line on stderr says why.
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.request


def http_ok(url: str) -> str | None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=3) as response:
            return None if response.status == 200 else f"{url} answered {response.status}"
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy"
        return f"{url}: {type(exc).__name__}: {exc}"


def tcp_ok(port: int) -> str | None:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=3).close()
    except OSError as exc:
        return f"127.0.0.1:{port}: {exc}"
    return None


def main() -> int:
    try:
        with open(os.environ.get("FIELDBOOK_PROCESS_FILE", "/tmp/fieldbook-process")) as f:
            process = f.read().strip()
    except OSError:
        process = "web"
    problem = None
    if process == "web":
        problem = http_ok(f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz")
    elif process == "worker" and os.environ.get("WORKER_METRICS_PORT"):
        problem = http_ok(f"http://127.0.0.1:{os.environ['WORKER_METRICS_PORT']}/metrics")
    elif process == "command" and os.environ.get("HEALTHCHECK_TCP_PORT"):
        problem = tcp_ok(int(os.environ["HEALTHCHECK_TCP_PORT"]))
    if problem:
        print(f"unhealthy ({process}): {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
