"""`python -m sage_simulator [--port 8090]`: the simulator under gunicorn, one process (its store is
in memory), several threads (`SIM_HOST`, `SIM_PORT`, `SIM_THREADS`, `SIM_ACCESS_LOG`)."""

from __future__ import annotations

import sys

from fieldbook_shared import simulators


def main(argv: list[str] | None = None) -> int:
    return simulators.serve(
        "sage_simulator.app:create_app()", env_prefix="SIM", port=8090, threads=16, argv=argv
    )


if __name__ == "__main__":
    sys.exit(main())
