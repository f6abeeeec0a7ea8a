"""`python -m sms_simulator [--port 8091]`: the simulator under gunicorn, one process (its store is in
memory; the receipts go out from threads of that process), several threads (`SMS_SIM_HOST`,
`SMS_SIM_PORT`, `SMS_SIM_THREADS`)."""

from __future__ import annotations

import sys

from fieldbook_shared import simulators


def main(argv: list[str] | None = None) -> int:
    return simulators.serve(
        "sms_simulator.app:create_app()", env_prefix="SMS_SIM", port=8091, threads=8, argv=argv
    )


if __name__ == "__main__":
    sys.exit(main())
