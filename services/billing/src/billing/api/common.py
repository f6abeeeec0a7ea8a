"""Small helpers the API modules share: ETags, optional If-Match, outstanding amounts on rows."""

from __future__ import annotations

from flask import request

from fieldbook_shared.etag import etag_for, expected_version


def with_etag(row, status: int = 200, **headers):
    return row, status, {"ETag": etag_for(row.version), **headers}


def optional_version() -> int | None:
    return expected_version() if request.headers.get("If-Match") else None


def with_amount(row, name: str, value):
    """Attach a figure derived from the ledger (outstanding, unallocated) for the response schema."""
    setattr(row, name, value)
    return row
