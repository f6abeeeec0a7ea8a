"""The simulator's own store: Sage businesses, their contacts, tokens, idempotency records, faults.

In memory, behind one lock: the simulator runs as one process (several threads). A restart
forgets everything, like a fresh sandbox business.
"""

from __future__ import annotations

import copy
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def new_object(path: str) -> dict:
    """What every object Sage creates starts with: a new id, its `$path` under `path`, and the
    creation time as both `created_at` and `updated_at`."""
    object_id = uuid.uuid4().hex
    stamp = now_iso()
    return {"id": object_id, "$path": f"/{path}/{object_id}", "created_at": stamp, "updated_at": stamp}


def _norm(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


def _words(text: str | None) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", (text or "").lower()) if w]


@dataclass
class Faults:
    error_rate_429: float = 0.0
    error_rate_500: float = 0.0
    latency_ms: int = 0
    lose_response_after_create: float = 0.0
    retry_after: int = 1
    # Sage's idempotency is unconfirmed: with this, a repeated idempotency_id is a new create
    ignore_idempotency_id: bool = False
    # whether Sage's 429 carries Retry-After is unconfirmed: with this, no 429 does
    omit_retry_after: bool = False

    FIELDS = (
        "error_rate_429",
        "error_rate_500",
        "latency_ms",
        "lose_response_after_create",
        "retry_after",
        "ignore_idempotency_id",
        "omit_retry_after",
    )

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.FIELDS}


@dataclass
class Business:
    id: str
    contacts: dict[str, dict] = field(default_factory=dict)  # id → contact (insertion order)
    idempotency: dict[str, tuple[float, int, dict]] = field(default_factory=dict)
    calls: list[float] = field(default_factory=list)  # request times, for the rate limit


class Store:
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        access_ttl: int = 300,
        rate_limit: int = 200,
        rate_window: float = 60.0,
        idempotency_ttl: float = 24 * 3600,
    ):
        self.lock = threading.RLock()
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_ttl = access_ttl
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.idempotency_ttl = idempotency_ttl
        self.refresh_tokens: set[str] = {refresh_token}
        self.access_tokens: dict[str, float] = {}  # token → expiry (monotonic)
        self.businesses: dict[str, Business] = {}
        self.faults = Faults()
        # what other modules keep in this store, under its lock (documents.py: sales documents)
        self.extras: dict[str, dict] = {}
        # throttled: real rate-limit 429s; injected_429 / injected_500 / lost_responses: faults that fired
        self.counters = {
            "requests": 0,
            "creates": 0,
            "replays": 0,
            "lost_responses": 0,
            "throttled": 0,
            "injected_429": 0,
            "injected_500": 0,
        }

    # -- auth ---------------------------------------------------------------------------------

    def refresh(self, refresh_token: str, client_id: str, client_secret: str) -> dict | None:
        with self.lock:
            if client_id != self.client_id or client_secret != self.client_secret:
                return None
            if refresh_token not in self.refresh_tokens:
                return None
            self.refresh_tokens.discard(refresh_token)  # rotation: a refresh token works once
            new_refresh = secrets.token_urlsafe(24)
            self.refresh_tokens.add(new_refresh)
            access = secrets.token_urlsafe(24)
            self.access_tokens[access] = time.monotonic() + self.access_ttl
            return {
                "access_token": access,
                "token_type": "bearer",
                "expires_in": self.access_ttl,
                "refresh_token": new_refresh,
                "refresh_token_expires_in": 2_592_000,
            }

    def token_valid(self, token: str) -> bool:
        with self.lock:
            expiry = self.access_tokens.get(token)
            return expiry is not None and expiry > time.monotonic()

    # -- rate limit ---------------------------------------------------------------------------

    def throttle(self, business_id: str) -> int | None:
        """None if this call may go ahead; else the seconds until it may (Retry-After)."""
        with self.lock:
            b = self.business(business_id)
            now = time.monotonic()
            b.calls = [t for t in b.calls if t > now - self.rate_window]
            if len(b.calls) >= self.rate_limit:
                self.counters["throttled"] += 1
                return max(1, int(b.calls[0] + self.rate_window - now + 0.999))
            b.calls.append(now)
            return None

    # -- contacts -----------------------------------------------------------------------------

    def business(self, business_id: str) -> Business:
        with self.lock:
            if business_id not in self.businesses:
                self.businesses[business_id] = Business(business_id)
            return self.businesses[business_id]

    def reference_taken(self, business_id: str, reference: str | None, except_id: str | None = None) -> bool:
        if not reference:
            return False
        ref = reference.strip().upper()
        return any(
            (c.get("reference") or "").upper() == ref and c["id"] != except_id
            for c in self.business(business_id).contacts.values()
        )

    def create(self, business_id: str, data: dict) -> dict:
        with self.lock:
            contact = {
                **new_object("contacts"),
                "deleted_at": None,
                "balance": "0.00",
                "contact_types": [{"id": t} for t in data.get("contact_type_ids") or ["CUSTOMER"]],
            }
            self._apply(contact, data)
            self.business(business_id).contacts[contact["id"]] = contact
            self.counters["creates"] += 1
            return copy.deepcopy(contact)

    def update(self, business_id: str, cid: str, data: dict) -> dict | None:
        with self.lock:
            contact = self.business(business_id).contacts.get(cid)
            if contact is None:
                return None
            self._apply(contact, data)
            if "contact_type_ids" in data:
                contact["contact_types"] = [{"id": t} for t in data["contact_type_ids"]]
            contact["updated_at"] = now_iso()
            return copy.deepcopy(contact)

    @staticmethod
    def _apply(contact: dict, data: dict) -> None:
        for key, value in data.items():
            if key in ("contact_type_ids", "id", "idempotency_id", "balance"):
                continue
            if isinstance(value, dict) and isinstance(contact.get(key), dict):
                contact[key].update(value)
            else:
                contact[key] = copy.deepcopy(value)
        name = contact.get("name") or ""
        ref = contact.get("reference")
        contact["displayed_as"] = f"{name} ({ref})" if ref else name

    def get(self, business_id: str, cid: str) -> dict | None:
        with self.lock:
            c = self.business(business_id).contacts.get(cid)
            return copy.deepcopy(c) if c else None

    def delete(self, business_id: str, cid: str) -> bool:
        with self.lock:
            return self.business(business_id).contacts.pop(cid, None) is not None

    def set_balance(self, business_id: str, cid: str, balance: Decimal) -> dict | None:
        with self.lock:
            c = self.business(business_id).contacts.get(cid)
            if c is None:
                return None
            c["balance"] = str(balance)
            return copy.deepcopy(c)

    def query(
        self,
        business_id: str,
        search: str | None = None,
        email: str | None = None,
        contact_type_id: str | None = None,
        reference: str | None = None,
        since: str | None = None,
    ) -> list[dict]:
        """Sage-like filtering. `search` is fuzzy over name and reference: every word of it must
        occur in the name or reference (ignoring case and punctuation)."""
        with self.lock:
            out = []
            for c in self.business(business_id).contacts.values():
                if contact_type_id and contact_type_id.upper() not in {t["id"] for t in c["contact_types"]}:
                    continue
                if email:
                    person = c.get("main_contact_person") or {}
                    emails = {(c.get("email") or "").lower(), (person.get("email") or "").lower()}
                    if email.strip().lower() not in emails:
                        continue
                if reference and (c.get("reference") or "").upper() != reference.strip().upper():
                    continue
                if search:
                    haystack = _norm(c.get("name")) + " " + _norm(c.get("reference"))
                    if not all(w in haystack for w in _words(search)):
                        continue
                if since and c["updated_at"] < since:
                    continue
                out.append(copy.deepcopy(c))
            return out

    # -- idempotency --------------------------------------------------------------------------

    def replay(self, business_id: str, key: str) -> tuple[int, dict] | None:
        with self.lock:
            b = self.business(business_id)
            record = b.idempotency.get(key)
            if record is None:
                return None
            if record[0] < time.monotonic() - self.idempotency_ttl:
                del b.idempotency[key]
                return None
            self.counters["replays"] += 1
            return record[1], copy.deepcopy(record[2])

    def remember(self, business_id: str, key: str, status: int, body: dict) -> None:
        with self.lock:
            self.business(business_id).idempotency[key] = (time.monotonic(), status, copy.deepcopy(body))

    def reset(self) -> None:
        with self.lock:
            self.businesses.clear()
            for kept in self.extras.values():
                kept.clear()
            self.faults = Faults()
            for k in self.counters:
                self.counters[k] = 0
