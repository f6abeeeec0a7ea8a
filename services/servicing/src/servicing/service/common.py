"""What the use cases share: the day it is, from the kit's clock (a test may move it)."""

from __future__ import annotations

from datetime import date

from fieldbook_shared import clock


def today() -> date:
    return clock.today()
