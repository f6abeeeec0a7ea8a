"""For tests that need a real server (PostgreSQL, RabbitMQ): one rule for a server that is missing.

Locally the test is skipped, with the reason. Under CI it fails: CI must never pass by skipping
what it was meant to check. CI counts as set unless the variable is empty, "0", "false" or "no".
Imported by test code only (pytest is a test dependency, not one of the kit's).
"""

from __future__ import annotations

import os
from typing import NoReturn


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> NoReturn:
    """Skip the test for lack of a server, or fail it under CI."""
    import pytest

    if in_ci():
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def unreachable(what: str, variable: str, exc: BaseException) -> NoReturn:
    """`unavailable` for a server that did not answer: what, why, and the setting that names it."""
    unavailable(
        f"{what} is not reachable ({type(exc).__name__}: {str(exc) or repr(exc)}); start it or set {variable}"
    )
