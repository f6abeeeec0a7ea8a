"""`python -m sage_simulator [--port 8090]`: the simulator under gunicorn, one process (its store is
in memory), several threads."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sage_simulator")
    parser.add_argument("--host", default=os.environ.get("SIM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SIM_PORT", "8090")))
    args = parser.parse_args(argv)
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    argv = [gunicorn, "--workers", "1", "--threads", os.environ.get("SIM_THREADS", "16")]
    argv += ["--bind", f"{args.host}:{args.port}", "--no-control-socket"]
    if os.environ.get("SIM_ACCESS_LOG"):
        argv += ["--access-logfile", "-"]
    os.execv(gunicorn, [*argv, "sage_simulator.app:create_app()"])
    return 0  # pragma: no cover - execv does not return


if __name__ == "__main__":
    sys.exit(main())
