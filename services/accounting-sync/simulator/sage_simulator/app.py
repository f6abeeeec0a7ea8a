"""The Sage simulator's HTTP API: the v3.1 contacts subset, the token endpoint, and admin endpoints.

Sage side (what accounting-sync's adapter calls, unchanged against the real API):
- `POST /oauth/token` (form: grant_type=refresh_token, refresh_token, client_id, client_secret):
  a new access token and a NEW refresh token; the old refresh token stops working (rotation).
- `GET /contacts` — `search` (fuzzy: every word in the name or reference), `email`,
  `contact_type_id`, `updated_or_created_since`, `page` (default 1), `items_per_page` (default 20,
  max 200), `show_balance`, `attributes` (`all` or a comma list). The `$items` envelope; a page past
  the end returns the last page.
- `GET /contacts/{id}` (`show_balance`), `POST /contacts` (201; `{"contact": …}`, an optional
  `idempotency_id` at the root or in the contact: the same id replays the first response),
  `PUT /contacts/{id}` (200; the fields sent replace the contact's, `notes` included, the others
  stay), `DELETE /contacts/{id}` (204).
- Every call needs `Authorization: Bearer <access token>` (401 otherwise); `X-Business` selects the
  business (default `SIM_DEFAULT_BUSINESS`). Errors are Sage's array of
  `{"$severity", "$dataCode", "$message", "$source"}`. A rate limit per business (429 +
  Retry-After).

Faults (`POST /__admin/faults` or env `SIM_ERROR_RATE_429`, `SIM_ERROR_RATE_500`, `SIM_LATENCY_MS`,
`SIM_LOSE_RESPONSE_AFTER_CREATE`, `SIM_RETRY_AFTER`, `SIM_IGNORE_IDEMPOTENCY_ID`,
`SIM_OMIT_RETRY_AFTER`): a fraction of /contacts calls answered 429 (with Retry-After, unless
`omit_retry_after`) or 500, added latency, creates whose response is lost (the connection is
dropped after the contact was stored), and `ignore_idempotency_id`: a repeated `idempotency_id`
creates again (or meets 422 "reference taken") instead of replaying the first answer.

Admin (tests and demos, no auth — bind it to localhost): `GET/POST /__admin/faults`,
`GET /__admin/contacts` (`business`, `search`, `email`, `reference`), `GET /__admin/contacts/count`,
`POST /__admin/contacts` (seed), `PUT /__admin/contacts/{id}/balance`, `GET /__admin/stats` (counters:
requests, creates, replays, throttled by the rate limit, and the faults that fired: injected_429,
injected_500, lost_responses), `POST /__admin/reset`.
"""

from __future__ import annotations

import os
import random
import re
import socket
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from flask import Flask, Response, abort, jsonify, request

from .store import Faults, Store

MAX_PAGE = 200
SUMMARY = ("id", "displayed_as", "$path")
REFERENCE_MAX = 50


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def _env_bool(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


def sage_errors(status: int, code: str, message: str, source: str | None = None, headers=None) -> Response:
    body = [{"$severity": "error", "$dataCode": code, "$message": message, "$source": source or ""}]
    resp = jsonify(body)
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def create_app(
    store: Store | None = None, default_business: str | None = None, seed: int | None = None
) -> Flask:
    app = Flask("sage_simulator")
    store = store or Store(
        client_id=os.environ.get("SIM_CLIENT_ID", "fieldbook-local"),
        client_secret=os.environ.get("SIM_CLIENT_SECRET", "fieldbook-local-secret"),
        refresh_token=os.environ.get("SIM_REFRESH_TOKEN", "sim-refresh-token"),
        access_ttl=int(_env_float("SIM_ACCESS_TOKEN_TTL", 300)),
        rate_limit=int(_env_float("SIM_RATE_LIMIT", 200)),
        rate_window=_env_float("SIM_RATE_WINDOW_SECONDS", 60.0),
    )
    if store.faults == Faults():
        store.faults = Faults(
            error_rate_429=_env_float("SIM_ERROR_RATE_429", 0.0),
            error_rate_500=_env_float("SIM_ERROR_RATE_500", 0.0),
            latency_ms=int(_env_float("SIM_LATENCY_MS", 0)),
            lose_response_after_create=_env_float("SIM_LOSE_RESPONSE_AFTER_CREATE", 0.0),
            retry_after=int(_env_float("SIM_RETRY_AFTER", 1)),
            ignore_idempotency_id=_env_bool("SIM_IGNORE_IDEMPOTENCY_ID"),
            omit_retry_after=_env_bool("SIM_OMIT_RETRY_AFTER"),
        )
    default_business = default_business or os.environ.get("SIM_DEFAULT_BUSINESS", "fieldbook-demo")
    app.extensions["sage_store"] = store
    # faults are rolled from this generator: a seed (argument or SIM_SEED) makes a run repeatable
    env_seed = os.environ.get("SIM_SEED")
    rng = random.Random(seed if seed is not None else (int(env_seed) if env_seed else None))

    def business_id() -> str:
        return request.headers.get("X-Business") or default_business

    _add_auth_and_faults(app, store, rng, business_id)
    _add_contact_reads(app, store, business_id)
    _add_contact_create(app, store, rng, business_id)
    _add_contact_changes(app, store, business_id)
    _add_admin(app, store, default_business)

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    return app


# -- the Sage side ------------------------------------------------------------------------------
# Each group of routes is a function of its own: the routes are closures over the app's store.


def _add_auth_and_faults(
    app: Flask, store: Store, rng: random.Random, business_id: Callable[[], str]
) -> None:
    """The token endpoint, and before every /contacts call: the token, the rate limit, the faults."""

    @app.post("/oauth/token")
    def token():
        form = request.form if request.form else (request.get_json(silent=True) or {})
        if form.get("grant_type") != "refresh_token":
            return jsonify({"error": "unsupported_grant_type"}), 400
        tokens = store.refresh(
            form.get("refresh_token", ""), form.get("client_id", ""), form.get("client_secret", "")
        )
        if tokens is None:
            return jsonify({"error": "invalid_grant"}), 400
        return jsonify(tokens)

    @app.before_request
    def _guard():
        if not request.path.startswith("/contacts"):
            return None
        store.counters["requests"] += 1
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not store.token_valid(auth.removeprefix("Bearer ").strip()):
            return sage_errors(
                401, "AuthenticationFailed", "The access token is missing, invalid or expired."
            )
        f = store.faults
        wait = store.throttle(business_id())
        if wait is not None:
            headers = {} if f.omit_retry_after else {"Retry-After": str(wait)}
            return sage_errors(429, "RateLimitExceeded", "Too many requests.", headers=headers)
        if f.latency_ms:
            time.sleep(f.latency_ms / 1000)
        roll = rng.random()
        if roll < f.error_rate_429:
            store.counters["injected_429"] += 1
            return sage_errors(
                429,
                "RateLimitExceeded",
                "Too many requests (injected).",
                headers={} if f.omit_retry_after else {"Retry-After": str(f.retry_after)},
            )
        if roll < f.error_rate_429 + f.error_rate_500:
            store.counters["injected_500"] += 1
            return sage_errors(500, "InternalServerError", "Something went wrong (injected).")
        return None


def _add_contact_reads(app: Flask, store: Store, business_id: Callable[[], str]) -> None:
    @app.get("/contacts")
    def list_contacts():
        args = request.args
        try:
            page = max(1, int(args.get("page", 1)))
            per_page = min(MAX_PAGE, max(1, int(args.get("items_per_page", 20))))
        except ValueError:
            return sage_errors(422, "InvalidParameter", "page and items_per_page must be integers.", "page")
        items = store.query(
            business_id(),
            search=args.get("search"),
            email=args.get("email"),
            contact_type_id=args.get("contact_type_id"),
            since=args.get("updated_or_created_since"),
        )
        total = len(items)
        last = max(1, -(-total // per_page))
        page = min(page, last)  # a page past the end returns the last page
        chunk = items[(page - 1) * per_page : page * per_page]
        show_balance = _bool(args.get("show_balance"))

        def link(p: int) -> str:
            query = {k: v for k, v in args.items() if k != "page"}
            query["page"] = str(p)
            return "/contacts?" + "&".join(f"{k}={v}" for k, v in query.items())

        return jsonify(
            {
                "$total": total,
                "$page": page,
                "$next": link(page + 1) if page < last else None,
                "$back": link(page - 1) if page > 1 else None,
                "$itemsPerPage": per_page,
                "$items": [shape(c, args.get("attributes"), show_balance) for c in chunk],
            }
        )

    @app.get("/contacts/<cid>")
    def get_contact(cid):
        contact = store.get(business_id(), cid)
        if contact is None:
            return sage_errors(404, "RecordNotFound", "Contact not found.")
        return jsonify(shape(contact, "all", _bool(request.args.get("show_balance"))))


def _add_contact_create(app: Flask, store: Store, rng: random.Random, business_id: Callable[[], str]) -> None:
    @app.post("/contacts")
    def create_contact():
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("contact"), dict):
            return sage_errors(422, "RecordInvalid", 'The body must be {"contact": {...}}.', "contact")
        data = body["contact"]
        key = body.get("idempotency_id") or data.get("idempotency_id")
        if key is not None and not re.fullmatch(r"[0-9a-fA-F]{32}", str(key)):
            return sage_errors(
                422,
                "RecordInvalid",
                "idempotency_id must be a 32-character GUID without hyphens",
                "idempotency_id",
            )
        biz = business_id()
        with store.lock:  # check, create and remember as one step: a concurrent repeat replays
            if key and store.faults.ignore_idempotency_id:
                key = None  # the fault: Sage does not honour the id (placement / retention unconfirmed)
            if key:
                replay = store.replay(biz, key.lower())
                if replay is not None:
                    return jsonify(replay[1]), replay[0]
            problem = _validate(store, biz, data, creating=True)
            if problem is not None:
                return problem
            contact = store.create(biz, data)
            answer = shape(contact, "all", False)
            if key:
                store.remember(biz, key.lower(), 201, answer)
        if rng.random() < store.faults.lose_response_after_create:
            store.counters["lost_responses"] += 1
            _drop_connection()
            return sage_errors(504, "GatewayTimeout", "The response was lost (injected).")
        return jsonify(answer), 201


def _add_contact_changes(app: Flask, store: Store, business_id: Callable[[], str]) -> None:
    @app.put("/contacts/<cid>")
    def update_contact(cid):
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("contact"), dict):
            return sage_errors(422, "RecordInvalid", 'The body must be {"contact": {...}}.', "contact")
        with store.lock:
            if store.get(business_id(), cid) is None:
                return sage_errors(404, "RecordNotFound", "Contact not found.")
            problem = _validate(store, business_id(), body["contact"], creating=False, except_id=cid)
            if problem is not None:
                return problem
            contact = store.update(business_id(), cid, body["contact"])
        return jsonify(shape(contact, "all", False))

    @app.delete("/contacts/<cid>")
    def delete_contact(cid):
        if not store.delete(business_id(), cid):
            return sage_errors(404, "RecordNotFound", "Contact not found.")
        return Response(status=204)


def shape(contact: dict, attributes: str | None, show_balance: bool) -> dict:
    if attributes == "all":
        out = dict(contact)
    else:
        wanted = {a.strip() for a in (attributes or "").split(",") if a.strip()}
        out = {k: contact[k] for k in SUMMARY if k in contact}
        out.update({k: contact[k] for k in wanted if k in contact and k != "balance"})
    if show_balance:
        out["balance"] = contact.get("balance", "0.00")
    else:
        out.pop("balance", None)
    return out


def _bool(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def _validate(
    store: Store, business: str, data: dict, creating: bool, except_id: str | None = None
) -> Response | None:
    """Sage's 422 for a contact it would refuse, else None."""
    if not isinstance(data, dict):
        return sage_errors(422, "RecordInvalid", 'The body must be {"contact": {...}}.', "contact")
    if creating or "name" in data:
        if not (data.get("name") or "").strip():
            return sage_errors(422, "RecordInvalid", "Name can't be blank", "name")
    if creating or "contact_type_ids" in data:
        types = data.get("contact_type_ids")
        if not types or not all(t in ("CUSTOMER", "VENDOR") for t in types):
            return sage_errors(
                422, "RecordInvalid", "Contact types must be CUSTOMER or VENDOR", "contact_type_ids"
            )
    ref = data.get("reference")
    if ref is not None:
        if len(ref) > REFERENCE_MAX:
            return sage_errors(422, "RecordInvalid", "Reference is too long", "reference")
        if store.reference_taken(business, ref, except_id):
            return sage_errors(422, "RecordInvalid", "Reference has already been taken", "reference")
    return None


# -- admin --------------------------------------------------------------------------------------


def _admin_query(store: Store, business: str) -> list:
    """The contacts a test asks about: ?search=, ?email=, ?reference= as on the real API."""
    return store.query(
        business,
        search=request.args.get("search"),
        email=request.args.get("email"),
        reference=request.args.get("reference"),
    )


def _add_admin(app: Flask, store: Store, default_business: str) -> None:
    def admin_business() -> str:
        return request.args.get("business") or request.headers.get("X-Business") or default_business

    @app.route("/__admin/faults", methods=["GET", "POST", "PUT"])
    def faults():
        if request.method != "GET":
            body = request.get_json(silent=True) or {}
            unknown = set(body) - set(Faults.FIELDS)
            if unknown:
                return jsonify({"error": f"unknown fault(s): {sorted(unknown)}", "known": Faults.FIELDS}), 422
            values = store.faults.to_dict()
            values.update(body)
            store.faults = Faults(**values)
        return jsonify(store.faults.to_dict())

    @app.get("/__admin/contacts")
    def admin_contacts():
        items = _admin_query(store, admin_business())
        return jsonify({"total": len(items), "contacts": items})

    @app.get("/__admin/contacts/count")
    def admin_count():
        items = _admin_query(store, admin_business())
        return jsonify({"count": len(items)})

    @app.post("/__admin/contacts")
    def admin_seed():
        body = request.get_json(silent=True) or {}
        rows = body.get("contacts") if isinstance(body.get("contacts"), list) else [body.get("contact", body)]
        created = []
        for data in rows:
            data = {"contact_type_ids": ["CUSTOMER"], **data}
            balance = data.pop("balance", None)
            contact = store.create(admin_business(), data)
            if balance is not None:
                contact = store.set_balance(admin_business(), contact["id"], Decimal(str(balance)))
            created.append(contact)
        return jsonify({"contacts": created}), 201

    @app.put("/__admin/contacts/<cid>/balance")
    def admin_balance(cid):
        body = request.get_json(silent=True) or {}
        try:
            balance = Decimal(str(body.get("balance"))).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            return jsonify({"error": 'balance must be a decimal string, e.g. "12.50"'}), 422
        contact = store.set_balance(admin_business(), cid, balance)
        if contact is None:
            abort(404)
        return jsonify(contact)

    @app.get("/__admin/stats")
    def admin_stats():
        return jsonify({**store.counters, "faults": store.faults.to_dict()})

    @app.post("/__admin/reset")
    def admin_reset():
        store.reset()
        return jsonify({"reset": True})


def _drop_connection() -> None:
    """Close the client's connection without an answer (gunicorn exposes the socket)."""
    sock = request.environ.get("gunicorn.socket")
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
