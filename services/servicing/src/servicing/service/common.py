"""What the use cases share: the day it is."""

from __future__ import annotations

from datetime import date


def today() -> date:
    return date.today()
