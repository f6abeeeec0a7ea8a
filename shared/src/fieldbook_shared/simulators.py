"""`python -m <simulator>`: a stand-in for an outside provider (the Sage API, the SMS provider) served
under gunicorn for local runs and the e2e suite.

One process only: a simulator keeps its store in memory, so a second worker would be a second
provider; several threads answer at once instead. Each simulator names its environment prefix
(`SIM`, `SMS_SIM`): `<prefix>_HOST` and `<prefix>_PORT` are the defaults of `--host` and `--port`,
`<prefix>_THREADS` the threads, and `<prefix>_ACCESS_LOG`, when set, logs each request on stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping


def gunicorn_argv(
    app: str, env_prefix: str, port: int, threads: int, argv: list[str] | None, env: Mapping[str, str]
) -> list[str]:
    """The gunicorn command line serving `app` ("package.app:create_app()", as gunicorn names it)."""
    package = app.split(".", 1)[0]
    parser = argparse.ArgumentParser(prog=f"python -m {package}")
    parser.add_argument("--host", default=env.get(f"{env_prefix}_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get(f"{env_prefix}_PORT", str(port))))
    args = parser.parse_args(argv)
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    command = [gunicorn, "--workers", "1", "--threads", env.get(f"{env_prefix}_THREADS", str(threads))]
    command += ["--bind", f"{args.host}:{args.port}", "--no-control-socket"]
    if env.get(f"{env_prefix}_ACCESS_LOG"):
        command += ["--access-logfile", "-"]
    return [*command, app]


def serve(app: str, *, env_prefix: str, port: int, threads: int, argv: list[str] | None = None) -> int:
    """Replace this process with gunicorn serving the simulator `app`."""
    command = gunicorn_argv(app, env_prefix, port, threads, argv, os.environ)
    os.execv(command[0], command)
    return 0  # pragma: no cover - execv does not return
