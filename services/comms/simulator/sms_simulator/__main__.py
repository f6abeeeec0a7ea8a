"""`python -m sms_simulator [--port 8091]`: the simulator under gunicorn, one process (its store is in
memory; the receipts go out from threads of that process), several threads."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sms_simulator")
    parser.add_argument("--host", default=os.environ.get("SMS_SIM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SMS_SIM_PORT", "8091")))
    args = parser.parse_args(argv)
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    argv = [gunicorn, "--workers", "1", "--threads", os.environ.get("SMS_SIM_THREADS", "8")]
    argv += ["--bind", f"{args.host}:{args.port}", "--no-control-socket"]
    os.execv(gunicorn, [*argv, "sms_simulator.app:create_app()"])
    return 0  # pragma: no cover - execv does not return


if __name__ == "__main__":
    sys.exit(main())
