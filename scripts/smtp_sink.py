"""A local SMTP sink for `make up` (docs/architecture.md §1: port 8025): keeps every message it receives as a
.eml file under var/mail/ (FIELDBOOK_VAR) and prints where, so nothing leaves the machine.

    python scripts/smtp_sink.py [--host 127.0.0.1] [--port 8025] [--dir var/mail]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class Keeper:
    def __init__(self, directory: Path):
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.count += 1
            name = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{self.count:06d}.eml"
        path = self.directory / name
        path.write_bytes(envelope.original_content or envelope.content)
        print(f"smtp-sink: {envelope.mail_from} -> {', '.join(envelope.rcpt_tos)}: {path}", flush=True)
        return "250 Message accepted for delivery"


def main(argv: list[str] | None = None) -> int:
    var = Path(os.environ.get("FIELDBOOK_VAR", "var"))
    parser = argparse.ArgumentParser(prog="smtp_sink.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SMTP_SINK_PORT", "8025")))
    parser.add_argument("--dir", type=Path, default=var / "mail")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(Keeper(args.dir.resolve()), hostname=args.host, port=args.port)
    controller.start()
    print(
        f"smtp-sink: listening on {args.host}:{args.port}; messages kept in {args.dir.resolve()}", flush=True
    )
    signalled: list[int] = []  # the handler only records: nothing that takes a lock runs in it
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, _frame: signalled.append(signum))
    while not signalled:
        time.sleep(0.5)
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
