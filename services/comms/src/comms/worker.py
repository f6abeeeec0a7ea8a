"""The comms worker process: outbox relay + event consumer + SMTP sender + mass-email jobs + SMS sender.

Run as `python -m comms.worker`.
"""

from __future__ import annotations

import sys

from fieldbook_shared.messaging import worker

from .app import uow_class_for
from .clients import CustomersClient, GatewayClient
from .handlers import HANDLERS
from .sending import MassEmailRunner, Sender
from .settings import load_settings
from .sms_sending import SmsSender


def _loops(w: worker.Worker) -> worker.Loops:
    return {
        "sender": Sender(w.settings, w.sessions, w.uow_factory).run,
        "mass-email": MassEmailRunner(w.settings, w.sessions, w.uow_factory).run,
        "sms": SmsSender(w.settings, w.sessions, w.uow_factory).run,
    }


def main() -> int:
    settings = load_settings()
    uow_class = uow_class_for(
        CustomersClient.from_settings(settings), gateway=GatewayClient.from_settings(settings)
    )
    return worker.main(settings, uow_class, HANDLERS, loops=_loops)


if __name__ == "__main__":
    sys.exit(main())
