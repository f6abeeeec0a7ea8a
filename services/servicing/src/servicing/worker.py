"""The servicing worker process: outbox relay + event consumer + the reminder chain + contracts' ends.

Run as `python -m servicing.worker`; several may run at once (each stage is claimed once).
"""

from __future__ import annotations

import sys

from fieldbook_shared.messaging import worker

from .handlers import HANDLERS
from .reminding import ReminderChain
from .renewing import ContractEnds
from .settings import load_settings
from .uow import ServicingUnitOfWork


def _loops(w: worker.Worker) -> worker.Loops:
    return {
        "reminder-chain": ReminderChain(w.settings, w.sessions, w.uow_factory).run,  # type: ignore[arg-type]
        "contract-ends": ContractEnds(w.settings, w.sessions, w.uow_factory).run,  # type: ignore[arg-type]
    }


def main() -> int:
    return worker.main(load_settings(), ServicingUnitOfWork, HANDLERS, loops=_loops)


if __name__ == "__main__":
    sys.exit(main())
