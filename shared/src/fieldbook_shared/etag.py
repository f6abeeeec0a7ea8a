"""ETag / If-Match backed by a version column.

Reads carry `ETag: "<version>"`. Writes that need it call `expected_version()` which answers 428
without `If-Match` and gives the version the client saw; the service compares it with the row
(412 when stale) and the version column's `UPDATE … WHERE version = :seen` settles the race
between two writers that both passed the check (SQLAlchemy raises StaleDataError → 412).
"""

from __future__ import annotations

from flask import request

from .problems import PreconditionFailed, PreconditionRequired


def etag_for(version: int) -> str:
    return f'"{version}"'


def expected_version() -> int:
    raw = request.headers.get("If-Match")
    if not raw:
        raise PreconditionRequired("This change needs an If-Match header with the ETag you last read.")
    tag = raw.split(",")[0].strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    tag = tag.strip('"')
    try:
        return int(tag)
    except ValueError:
        raise PreconditionFailed(
            "The If-Match header does not match the current version. Read it again."
        ) from None


def check_version(current: int, expected: int) -> None:
    if current != expected:
        raise PreconditionFailed(
            "The record has changed since you read it. Read it again and re-apply your change.",
            current_etag=etag_for(current),
        )
