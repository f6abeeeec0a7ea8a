"""The webhooks worker process: outbox relay + event consumer + the sender.

Run as `python -m webhooks.worker`; several may run at once (each delivery is claimed once).
"""

from __future__ import annotations

import sys

from fieldbook_shared.messaging import worker

from .handlers import HANDLERS
from .sending import Sender
from .settings import load_settings
from .uow import WebhooksUnitOfWork


def _loops(w: worker.Worker) -> worker.Loops:
    return {"webhook-sender": Sender(w.settings, w.sessions, w.uow_factory).run}  # type: ignore[arg-type]


def main() -> int:
    return worker.main(load_settings(), WebhooksUnitOfWork, HANDLERS, loops=_loops)


if __name__ == "__main__":
    sys.exit(main())
