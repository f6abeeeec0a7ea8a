"""ETag / If-Match backed by a version column.

Reads carry `ETag: "<version>"` (a strong tag). Writes that need it call `expected_version()`,
which answers 428 without `If-Match` and gives what the client may change; the service compares it
with the row (`check_version`, 412 when stale) and the version column's `UPDATE … WHERE version =
:seen` settles the race between two writers that both passed the check (SQLAlchemy raises
StaleDataError → 412).

If-Match follows RFC 9110 §13.1.1: `*` matches any current version of the record (so the change
goes ahead on a record that exists; a missing one is a 404 first); otherwise the record's tag must
equal one of the listed tags by strong comparison, so a weak tag (`W/"3"`) never matches (412).
"""

from __future__ import annotations

import re
from typing import Protocol, TypeVar

from flask import request

from .problems import PreconditionFailed, PreconditionRequired


class _Stored(Protocol):
    version: int


Versioned = TypeVar("Versioned", bound=_Stored)

# What `expected_version()` gives: one version, several (`If-Match: "3", "4"`), or None for `*`.
ExpectedVersion = int | frozenset[int] | None

_STALE = "The If-Match header does not match the current version. Read it again."


def etag_for(version: int) -> str:
    return f'"{version}"'


def expected_version() -> ExpectedVersion:
    raw = request.headers.get("If-Match")
    if not raw or not raw.strip():
        raise PreconditionRequired("This change needs an If-Match header with the ETag you last read.")
    if raw.strip() == "*":
        return None
    versions = set()
    for tag in (t.strip() for t in raw.split(",")):
        if tag.startswith("W/"):
            continue  # If-Match compares strongly: a weak tag matches nothing
        quoted = re.fullmatch(r'"([0-9]{1,18})"', tag)
        if quoted:
            versions.add(int(quoted.group(1)))
    if not versions:
        raise PreconditionFailed(_STALE)
    return versions.pop() if len(versions) == 1 else frozenset(versions)


def optional_version() -> ExpectedVersion:
    """`expected_version()` where If-Match is optional: None (no check) without the header."""
    return expected_version() if request.headers.get("If-Match") else None


def with_etag(row, status: int = 200, **headers) -> tuple:
    """A view's answer: `row` (for its response schema), the status, and the row's ETag with
    `headers` (a `Location`)."""
    return row, status, {"ETag": etag_for(row.version), **headers}


def at_version(row: Versioned, expected: ExpectedVersion) -> Versioned:
    """`row` as read for a change: 412 unless `expected` (None: the client did not ask) allows its
    version (`check_version`)."""
    check_version(row.version, expected)
    return row


def check_version(current: int, expected: ExpectedVersion) -> None:
    """412 unless `expected` (from `expected_version()`, or a plain version) allows `current`."""
    if expected is None:
        return
    allowed = expected if isinstance(expected, frozenset) else {expected}
    if current not in allowed:
        raise PreconditionFailed(
            "The record has changed since you read it. Read it again and re-apply your change.",
            current_etag=etag_for(current),
        )
