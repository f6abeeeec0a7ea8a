"""The accounting adapter: the interface the sync needs, and `SageAccounting` for the Sage Business
Cloud Accounting v3.1 contacts API (the simulator in `simulator/` speaks the same subset).

- Auth: OAuth 2.0 bearer tokens. Refresh tokens rotate on every use, so a refresh runs under a lock
  (a thread lock, plus a row lock on PostgreSQL across processes), commits the new refresh token,
  and only then uses the new access token. A 401 forces one refresh and one retry; a refused
  refresh token or a second 401 is `SageError(401, transient=True)`: the sync waits for an operator
  to fix the login (`SYNC_AUTH_FAILED_WAIT_SECONDS`) and never fails a customer for it.
- Every request names the business with `X-Business`.
- Lists: `$items` envelope; pages are followed with `$next` (a page past the end returns the last
  page again, so a loop that counted pages would never end).
- Errors are Sage's array of `{"$severity", "$dataCode", "$message", "$source"}`. 429 and 5xx and a
  lost connection are transient: retried a few times in place (honouring a short Retry-After), then
  reported to the sync loop as `SageError(transient=True, retry_after=…)`; the sync loop does not
  count a 429 as a failed attempt.
- Pacing: every call first waits for the business's token bucket (`pacing.py`,
  `SAGE_CALLS_PER_MINUTE`), so a big import stays under Sage's rate limit instead of hitting it.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Protocol

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fieldbook_shared.db import is_postgres, utcnow

from .domain import mapping, matching
from .domain import postings as docs
from .domain.retry import parse_retry_after
from .pacing import CallPacer
from .settings import SyncSettings
from .store.models import SageCredentials

log = logging.getLogger("accounting_sync.sage")
PAGE_SIZE = 200  # Sage's maximum items_per_page


class SageError(Exception):
    def __init__(
        self,
        message: str,
        status: int | None = None,
        errors: list | None = None,
        transient: bool = False,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.errors = errors or []
        self.transient = transient
        self.retry_after = retry_after

    @property
    def auth_failed(self) -> bool:
        """Sage refused our credentials: our login's problem, not the customer's."""
        return self.status == 401

    @property
    def sources(self) -> set[str]:
        return {e.get("$source") for e in self.errors if isinstance(e, dict) and e.get("$source")}


class Accounting(Protocol):
    """What the sync needs from an accounting package."""

    def find_candidates(self, customer: dict, accounts_ref: str | None) -> list[dict]: ...
    def taken_refs(self, stem: str) -> set[str]: ...
    def get_contact(self, contact_id: str) -> dict | None: ...
    def create_contact(self, contact: dict, idempotency_id: str) -> dict: ...
    def update_contact(self, contact_id: str, contact: dict) -> dict: ...
    def balances(self) -> dict[str, Decimal]: ...
    def create_document(self, resource: str, wrapper: str, body: dict, idempotency_id: str) -> dict: ...
    def find_document(self, resource: str, contact_id: str, reference: str) -> dict | None: ...
    def delete_document(self, resource: str, sage_id: str, void_reason: str | None = None) -> None: ...
    def get_document(self, resource: str, sage_id: str) -> dict | None: ...
    def update_document(self, resource: str, wrapper: str, sage_id: str, body: dict) -> dict: ...
    def find_allocation(self, contact_id: str, body: dict, taken: set[str]) -> dict | None: ...
    def for_business(self, business_id: str) -> Accounting:
        """The same package, speaking to another business (a tenant's own Sage business)."""
        ...


def _error_message(errors: list, fallback: str) -> str:
    parts = []
    for e in errors if isinstance(errors, list) else []:
        if isinstance(e, dict):
            src = f"{e.get('$source')}: " if e.get("$source") else ""
            parts.append(f"{src}{e.get('$message') or e.get('$dataCode') or 'error'}")
    return "; ".join(parts) or fallback


class TokenStore:
    """Access and refresh tokens of one Sage business, persisted in our database."""

    def __init__(self, sessions: sessionmaker[Session], settings: SyncSettings, http: requests.Session):
        self.sessions = sessions
        self.settings = settings
        self.http = http
        self._lock = threading.Lock()
        self._access: str | None = None
        self._expires = utcnow()

    def access_token(self, force: bool = False) -> str:
        if not force and self._access and self._expires > utcnow() + timedelta(seconds=30):
            return self._access
        with self._lock:
            if not force and self._access and self._expires > utcnow() + timedelta(seconds=30):
                return self._access
            return self._refresh(force, stale=self._access)

    def _refresh(self, force: bool, stale: str | None) -> str:
        s = self.settings
        with self.sessions() as session, session.begin():
            stmt = select(SageCredentials).where(SageCredentials.business_id == s.sage_business_id)
            if is_postgres(session):
                stmt = stmt.with_for_update()
            creds = session.scalar(stmt)
            if creds is None:
                creds = SageCredentials(
                    business_id=s.sage_business_id,
                    refresh_token=s.sage_refresh_token,
                    bootstrap_token=s.sage_refresh_token,
                )
                session.add(creds)
                session.flush()
            elif creds.bootstrap_token != s.sage_refresh_token:
                # the operator configured a new refresh token: it wins over the stored chain
                creds.refresh_token = creds.bootstrap_token = s.sage_refresh_token
                creds.access_token = None
            # another thread or process refreshed while we waited for the lock: use its token
            fresh = creds.access_expires_at and creds.access_expires_at > utcnow() + timedelta(seconds=30)
            if creds.access_token and fresh and creds.access_token != stale:
                self._access, self._expires = creds.access_token, creds.access_expires_at
                return creds.access_token
            tokens = self._grant(creds.refresh_token)
            if tokens is None and creds.refresh_token != s.sage_refresh_token:
                # our chain was lost on Sage's side (e.g. the simulator restarted): start again
                tokens = self._grant(s.sage_refresh_token)
            if tokens is None:
                # transient for the customers: retried after SYNC_AUTH_FAILED_WAIT_SECONDS, never failed
                raise SageError(
                    "Sage refused our refresh token; set SAGE_REFRESH_TOKEN again", 401, transient=True
                )
            creds.access_token = tokens["access_token"]
            creds.access_expires_at = utcnow() + timedelta(seconds=float(tokens.get("expires_in", 300)))
            creds.refresh_token = tokens.get("refresh_token") or creds.refresh_token
        # committed: the new refresh token is safe before the new access token is used
        self._access, self._expires = creds.access_token, creds.access_expires_at
        return creds.access_token

    def _grant(self, refresh_token: str | None) -> dict | None:
        if not refresh_token:
            return None
        s = self.settings
        try:
            r = self.http.post(
                s.token_url,
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                    "client_id": s.sage_client_id,
                    "client_secret": s.sage_client_secret,
                },
                timeout=s.sage_timeout_seconds,
            )
        except requests.RequestException as exc:
            raise SageError(f"Sage's token endpoint did not answer: {exc}", transient=True) from exc
        if r.status_code in (400, 401):
            return None
        if r.status_code >= 300:
            raise SageError(
                f"Sage's token endpoint answered {r.status_code}",
                r.status_code,
                transient=r.status_code == 429 or r.status_code >= 500,
                retry_after=parse_retry_after(r.headers.get("Retry-After")),
            )
        return r.json()


class SageAccounting:
    """`Accounting` over the Sage Business Cloud Accounting v3.1 contacts API."""

    def __init__(
        self,
        settings: SyncSettings,
        sessions: sessionmaker[Session],
        http: requests.Session | None = None,
        sleep=time.sleep,
    ):
        self.settings = settings
        self.base = settings.sage_base_url.rstrip("/")
        self._local = threading.local()
        self._shared_http = http  # tests pass one (e.g. a Flask test client adapter)
        self.tokens = TokenStore(sessions, settings, http or requests.Session())
        self.sleep = sleep
        self.business_id = settings.sage_business_id
        # shared by every business view (`for_business`) and thread of this process
        self.pacer = CallPacer(settings.sage_calls_per_minute, sleep=sleep)

    def for_business(self, business_id: str) -> SageAccounting:
        """A view on another business: same login (tokens), HTTP sessions and retries."""
        if business_id == self.business_id:
            return self
        view = copy.copy(self)
        view.business_id = business_id
        return view

    # -- HTTP ---------------------------------------------------------------------------------

    @property
    def http(self) -> requests.Session:
        if self._shared_http is not None:
            return self._shared_http
        if not hasattr(self._local, "http"):  # requests.Session is not thread-safe: one per thread
            self._local.http = requests.Session()
        return self._local.http

    def _request(
        self, method: str, path: str, *, params=None, json=None, resend_unanswered: bool = True
    ) -> dict | None:
        """One call, retried in place on 429 / 5xx / no answer. Without `resend_unanswered` (a
        create whose copy we look for by its reference before sending it again) only a 429 is
        retried here: a 5xx or a lost answer may come after Sage stored it."""
        s = self.settings
        url = path if path.startswith("http") else f"{self.base}{path}"
        retries = 0
        refreshed = False
        while True:
            self.pacer.wait(self.business_id)  # every call counts towards Sage's limit, retries too
            headers = {
                "Authorization": f"Bearer {self.tokens.access_token()}",
                "X-Business": self.business_id,
                "Accept": "application/json",
            }
            try:
                r = self.http.request(
                    method, url, params=params, json=json, headers=headers, timeout=s.sage_timeout_seconds
                )
            except requests.RequestException as exc:
                error = SageError(
                    f"{method} {path}: no answer from Sage ({type(exc).__name__})", transient=True
                )
            else:
                if r.status_code == 401 and not refreshed:
                    refreshed = True
                    self.tokens.access_token(force=True)
                    continue
                if r.status_code < 300:
                    return r.json() if r.content else None
                try:
                    errors = r.json()
                except ValueError:
                    errors = []
                detail = _error_message(errors, r.reason or "")
                error = SageError(
                    f"{method} {path}: Sage answered {r.status_code}: {detail}",
                    r.status_code,
                    errors if isinstance(errors, list) else [],
                    # a 401 after a fresh token: our login, not the data — the sync waits, not fails
                    transient=r.status_code in (401, 429) or r.status_code >= 500,
                    retry_after=parse_retry_after(r.headers.get("Retry-After")),
                )
                if r.status_code == 404 and method == "GET":
                    return None
            if not error.transient or error.auth_failed or retries >= s.call_retries:
                raise error
            if not resend_unanswered and error.status != 429:
                raise error
            wait = error.retry_after if error.retry_after is not None else 0.2 * (2**retries)
            if wait > s.call_retry_max_wait_seconds:
                raise error  # a long wait is the sync loop's business: it reschedules the row
            retries += 1
            self.sleep(wait)

    def _list(self, params: dict, path: str = "/contacts") -> Iterator[dict]:
        """Every item of a list, following `$next` (the last page repeats past the end)."""
        query = {"items_per_page": PAGE_SIZE, "page": 1, **params}
        seen_pages = set()
        while True:
            body = self._request("GET", path, params=query) or {}
            page = body.get("$page", query["page"])
            if page in seen_pages:
                return
            seen_pages.add(page)
            yield from body.get("$items") or []
            if not body.get("$next"):
                return
            query = {**query, "page": page + 1}

    # -- Accounting ---------------------------------------------------------------------------

    def find_candidates(self, customer: dict, accounts_ref: str | None) -> list[dict]:
        """Contacts that might be this customer, each once (exact comparison is the matching
        rules' job). By the accounts ref first: a contact carrying it is a clear match and ends the
        search. Then by email, and by the name's search stem (`matching.search_stem`: the surname,
        or a company's first distinctive word): Sage's `search` wants every word to match, so the
        full name would miss "Acme Heating Limited" for "Acme Heating Ltd", or "Mary Smith" at the
        customer's postcode; the stem finds them and the full name too. One to three list calls
        (more only for a stem with over 200 contacts)."""
        base = {"contact_type_id": mapping.CUSTOMER_TYPE_ID, "attributes": "all"}
        if accounts_ref:
            wanted = accounts_ref.strip().upper()
            by_ref = [
                c
                for c in self._list({**base, "search": wanted})
                if (c.get("reference") or "").strip().upper() == wanted
            ]
            if by_ref:
                return by_ref
        found: dict[str, dict] = {}
        email = (customer.get("email") or "").strip()
        if email:
            for c in self._list({**base, "email": email}):
                found.setdefault(c.get("id"), c)
        stem = matching.search_stem(customer)
        if stem:
            for c in self._list({**base, "search": stem}):
                found.setdefault(c.get("id"), c)
        return [c for cid, c in found.items() if cid]

    def taken_refs(self, stem: str) -> set[str]:
        items = self._list({"search": stem, "attributes": "reference"})
        return {(c.get("reference") or "").upper() for c in items if c.get("reference")}

    def get_contact(self, contact_id: str) -> dict | None:
        return self._request("GET", f"/contacts/{contact_id}")

    def create_contact(self, contact: dict, idempotency_id: str) -> dict:
        if self.settings.sage_idempotency_placement == "contact":
            body = {"contact": {**contact, "idempotency_id": idempotency_id}}
        else:
            body = {"contact": contact, "idempotency_id": idempotency_id}
        return self._request("POST", "/contacts", json=body)

    def update_contact(self, contact_id: str, contact: dict) -> dict:
        return self._request("PUT", f"/contacts/{contact_id}", json={"contact": contact})

    # -- documents: sales invoices, sales credit notes, contact payments ----------------------

    def create_document(self, resource: str, wrapper: str, body: dict, idempotency_id: str) -> dict:
        """POST /{resource} once: a 5xx or a lost answer is not sent again here (the posting loop
        looks for the document by its reference first)."""
        payload = {wrapper: body, "idempotency_id": idempotency_id}
        return self._request("POST", f"/{resource}", json=payload, resend_unanswered=False)

    def find_document(self, resource: str, contact_id: str, reference: str) -> dict | None:
        """The contact's document carrying exactly this reference (Sage's `search` matches parts of
        it too), not voided; None when Sage holds none."""
        query = {"contact_id": contact_id, "search": reference, "attributes": "all"}
        for doc in self._list(query, f"/{resource}"):
            status = (doc.get("status") or {}).get("id")
            if doc.get("reference") == reference and status != "VOID":
                return doc
        return None

    def delete_document(self, resource: str, sage_id: str, void_reason: str | None = None) -> None:
        """Void a sales invoice or credit note (`void_reason`), delete a contact payment. Gone
        already (404) is done."""
        params = {"void_reason": void_reason} if void_reason else None
        try:
            self._request("DELETE", f"/{resource}/{sage_id}", params=params)
        except SageError as exc:
            if exc.status != 404:
                raise

    def get_document(self, resource: str, sage_id: str) -> dict | None:
        return self._request("GET", f"/{resource}/{sage_id}")

    def update_document(self, resource: str, wrapper: str, sage_id: str, body: dict) -> dict:
        """PUT the fields in `body` (a receipt's allocations after a de-allocation): the same PUT
        twice leaves Sage as once, so it is retried in place."""
        return self._request("PUT", f"/{resource}/{sage_id}", json={wrapper: body})

    def find_allocation(self, contact_id: str, body: dict, taken: set[str]) -> dict | None:
        """The contact's allocation of these artefacts and amounts that is not one of ours already
        (`taken`): Sage's allocations carry no reference, so after a lost answer this is how ours is
        recognised."""
        query = {
            "contact_id": contact_id,
            "transaction_type_id": body["transaction_type_id"],
            "attributes": "all",
        }
        for found in self._list(query, "/contact_allocations"):
            if found.get("id") not in taken and docs.same_artefacts(found, body):
                return found
        return None

    def balances(self) -> dict[str, Decimal]:
        out = {}
        for c in self._list(
            {"contact_type_id": mapping.CUSTOMER_TYPE_ID, "show_balance": "true", "attributes": "balance"}
        ):
            balance = mapping.balance_of(c)
            if c.get("id") and balance is not None:
                out[c["id"]] = balance
        return out
