"""`Idempotency-Key` on POST: the same key and the same request give the same response, per tenant.

The key is claimed (a row without a response) before the view runs, so two concurrent requests
with one key cannot both write: the second gets 409. A 5xx answer releases the key for a retry.
Records older than the TTL are forgotten.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta

from flask import Flask, Response, g, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .db import IdempotencyRecord, utcnow
from .problems import Conflict, ValidationFailed
from .settings import Settings

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("Content-Type", "Location", "ETag", "X-Pagination", "Link")
# a claim without a response older than this belongs to a request whose process died
CLAIM_TIMEOUT = timedelta(seconds=int(os.environ.get("IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS", "60")))


def _request_hash() -> str:
    """What makes two requests the same one. A multipart body is compared by its fields and files,
    not its bytes: a client builds a new random boundary each time it sends the same request."""
    h = hashlib.sha256()
    h.update(request.method.encode())
    h.update(request.full_path.encode())
    if request.mimetype == "multipart/form-data":
        for name, value in sorted(request.form.items(multi=True)):
            h.update(f"field\0{name}\0{value}\0".encode("utf-8", "surrogatepass"))
        for name, file in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            h.update(f"file\0{name}\0{file.filename}\0{file.mimetype}\0".encode("utf-8", "surrogatepass"))
            h.update(hashlib.sha256(file.read()).digest())
            file.seek(0)  # the view reads it again
    else:
        h.update(request.get_data(cache=True))
    return h.hexdigest()


def init_app(app: Flask, sessions: sessionmaker[Session], settings: Settings) -> None:
    ttl = timedelta(hours=settings.idempotency_ttl_hours)

    @app.before_request
    def _claim_key():
        key = request.headers.get(HEADER)
        if request.method != "POST" or not key or not g.get("context"):
            return None
        if len(key) > 255:
            raise ValidationFailed({HEADER: ["Must be at most 255 characters."]})
        tenant, digest = g.context.tenant_id, _request_hash()
        with sessions() as session:
            record = session.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.tenant_id == tenant, IdempotencyRecord.key == key
                )
            )
            if record is not None and record.created_at < utcnow() - ttl:
                session.delete(record)
                session.commit()
                record = None
            if record is not None:
                if record.request_hash != digest:
                    raise ValidationFailed(
                        {HEADER: ["This key was already used with a different request."]},
                        detail="Idempotency-Key reused with a different request.",
                    )
                if record.status_code is None:
                    if record.created_at >= utcnow() - CLAIM_TIMEOUT:
                        raise Conflict(
                            "A request with this Idempotency-Key is still being processed. Retry shortly."
                        )
                    # The process that claimed the key died mid-request. Rather than jam the key for
                    # the whole TTL, this retry takes the claim over. (If that process had committed
                    # its change before dying, the retry can repeat it: the response is stored after
                    # the commit, not in the same transaction.)
                    record.created_at = utcnow()
                    session.commit()
                    g.idempotency_key = key
                    return None
                resp = Response(record.response_body or "", status=record.status_code)
                for name, value in (record.response_headers or {}).items():
                    resp.headers[name] = value
                resp.headers[REPLAYED_HEADER] = "true"
                return resp
            session.add(IdempotencyRecord(tenant_id=tenant, key=key, request_hash=digest))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                raise Conflict(
                    "A request with this Idempotency-Key is still being processed. Retry shortly."
                ) from None
        g.idempotency_key = key
        return None

    @app.after_request
    def _store_response(response: Response) -> Response:
        key = g.pop("idempotency_key", None)
        if key is None:
            return response
        tenant = g.context.tenant_id
        with sessions() as session:
            where = (IdempotencyRecord.tenant_id == tenant, IdempotencyRecord.key == key)
            if response.status_code >= 500:
                session.execute(delete(IdempotencyRecord).where(*where))
            else:
                record = session.scalar(select(IdempotencyRecord).where(*where))
                if record is not None:
                    record.status_code = response.status_code
                    record.response_body = response.get_data(as_text=True)
                    record.response_headers = {
                        h: response.headers[h] for h in _KEPT_HEADERS if h in response.headers
                    }
            session.commit()
        return response


def response_fingerprint(body: str) -> str:  # handy in tests and logs
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
