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
- `/sales_invoices`, `/sales_credit_notes`, `/contact_payments` (`documents.py`; admin:
  `GET /__admin/documents/<kind>` with `reference`, `contact_id`): create (201,
  `idempotency_id` at the root), get, list (`contact_id`, `search` over the reference), delete
  (invoices and credit notes are voided: `void_reason`; a payment goes and frees its allocations);
  `PUT /contact_payments/{id}` replaces a receipt's `allocated_artefacts`. Receipts
  (`CUSTOMER_RECEIPT`) and refunds (`CUSTOMER_REFUND`, allocated to credit).
- `/contact_allocations` (`allocations.py`; admin: `GET /__admin/documents/contact_allocations`,
  deleted ones with `deleted_at`): create (201, `idempotency_id`), get, list (`contact_id`,
  `transaction_type_id`), delete (the allocation is undone).
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

from .allocations import Allocations
from .documents import KINDS, Documents, Kind, Refused
from .store import Faults, Store

MAX_PAGE = 200
# the Sage API's paths: each call needs a token and meets the rate limit and the faults
SAGE_PATHS = ("/contacts", "/contact_allocations", *(f"/{k}" for k in KINDS))
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
    documents = Documents(store)
    for kind in KINDS.values():
        _add_documents(app, store, documents, kind, rng, business_id)
    _add_payment_update(app, documents, business_id)
    allocations = Allocations(store, documents)
    _add_allocations(app, store, allocations, rng, business_id)
    _add_admin(app, store, default_business)
    _add_documents_admin(app, documents, allocations, default_business)

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
        if not request.path.startswith(SAGE_PATHS):
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
        paging = _page_args()
        if isinstance(paging, Response):
            return paging
        page, per_page = paging
        items = store.query(
            business_id(),
            search=args.get("search"),
            email=args.get("email"),
            contact_type_id=args.get("contact_type_id"),
            since=args.get("updated_or_created_since"),
        )
        show_balance = _bool(args.get("show_balance"))
        return _page(items, page, per_page, lambda c: shape(c, args.get("attributes"), show_balance))

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

        def make() -> tuple[dict, int] | Response:
            problem = _validate(store, business_id(), data, creating=True)
            if problem is not None:
                return problem
            return shape(store.create(business_id(), data), "all", False), 201

        return _create_once(
            store, rng, business_id(), body.get("idempotency_id") or data.get("idempotency_id"), make
        )


def _create_once(
    store: Store,
    rng: random.Random,
    biz: str,
    key,
    make: Callable[[], tuple[dict, int] | Response],
) -> Response | tuple[Response, int]:
    """A create with Sage's `idempotency_id` (32 hex characters): the same id replays the first
    answer; checked, created and remembered as one step (a concurrent repeat replays). Then the
    lost-answer fault: the connection drops after the document was stored."""
    if key is not None and not re.fullmatch(r"[0-9a-fA-F]{32}", str(key)):
        return sage_errors(
            422,
            "RecordInvalid",
            "idempotency_id must be a 32-character GUID without hyphens",
            "idempotency_id",
        )
    with store.lock:
        if key and store.faults.ignore_idempotency_id:
            key = None  # the fault: Sage does not honour the id (placement / retention unconfirmed)
        if key:
            replay = store.replay(biz, key.lower())
            if replay is not None:
                return jsonify(replay[1]), replay[0]
        made = make()
        if isinstance(made, Response):
            return made
        answer, status = made
        if key:
            store.remember(biz, key.lower(), status, answer)
    if rng.random() < store.faults.lose_response_after_create:
        store.counters["lost_responses"] += 1
        _drop_connection()
        return sage_errors(504, "GatewayTimeout", "The response was lost (injected).")
    return jsonify(answer), status


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


def _add_documents(
    app: Flask,
    store: Store,
    documents: Documents,
    kind: Kind,
    rng: random.Random,
    business_id: Callable[[], str],
) -> None:
    """`/sales_invoices`, `/sales_credit_notes`, `/contact_payments`: create, get, list, delete."""
    base = f"/{kind.path}"

    def create():
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get(kind.wrapper), dict):
            return sage_errors(
                422, "RecordInvalid", f'The body must be {{"{kind.wrapper}": {{...}}}}.', kind.wrapper
            )
        data = body[kind.wrapper]

        def make() -> tuple[dict, int] | Response:
            try:
                return documents.create(business_id(), kind, data), 201
            except Refused as exc:
                return sage_errors(422, "RecordInvalid", str(exc), exc.source)

        return _create_once(store, rng, business_id(), body.get("idempotency_id"), make)

    def listing():
        paging = _page_args()
        if isinstance(paging, Response):
            return paging
        args = request.args
        items = documents.query(
            business_id(), kind.path, contact_id=args.get("contact_id"), search=args.get("search")
        )
        return _page(items, *paging, show=lambda d: d)

    def one(doc_id):
        doc = documents.get(business_id(), kind.path, doc_id)
        if doc is None:
            return sage_errors(404, "RecordNotFound", "Record not found.")
        return jsonify(doc)

    def delete(doc_id):
        done = documents.delete(business_id(), kind.path, doc_id, request.args.get("void_reason"))
        if done is False:
            return sage_errors(404, "RecordNotFound", "Record not found.")
        if isinstance(done, str):
            return sage_errors(422, "RecordInvalid", done, "void_reason" if kind.lines else "id")
        return Response(status=204)

    app.add_url_rule(base, f"create_{kind.path}", create, methods=["POST"])
    app.add_url_rule(base, f"list_{kind.path}", listing, methods=["GET"])
    app.add_url_rule(f"{base}/<doc_id>", f"get_{kind.path}", one, methods=["GET"])
    app.add_url_rule(f"{base}/<doc_id>", f"delete_{kind.path}", delete, methods=["DELETE"])


def _add_payment_update(app: Flask, documents: Documents, business_id: Callable[[], str]) -> None:
    """`PUT /contact_payments/{id}`: a receipt's allocations replaced (a de-allocation)."""
    kind = KINDS["contact_payments"]

    @app.put("/contact_payments/<doc_id>")
    def update_payment(doc_id):
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get(kind.wrapper), dict):
            return sage_errors(
                422, "RecordInvalid", f'The body must be {{"{kind.wrapper}": {{...}}}}.', kind.wrapper
            )
        try:
            doc = documents.update_payment(business_id(), doc_id, body[kind.wrapper])
        except Refused as exc:
            return sage_errors(422, "RecordInvalid", str(exc), exc.source)
        if doc is None:
            return sage_errors(404, "RecordNotFound", "Record not found.")
        return jsonify(doc)


def _add_allocations(
    app: Flask,
    store: Store,
    allocations: Allocations,
    rng: random.Random,
    business_id: Callable[[], str],
) -> None:
    """`/contact_allocations`: create (idempotent), list, get, delete."""

    @app.post("/contact_allocations")
    def create_allocation():
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("contact_allocation"), dict):
            return sage_errors(
                422, "RecordInvalid", 'The body must be {"contact_allocation": {...}}.', "contact_allocation"
            )

        def make() -> tuple[dict, int] | Response:
            try:
                return allocations.create(business_id(), body["contact_allocation"]), 201
            except Refused as exc:
                return sage_errors(422, "RecordInvalid", str(exc), exc.source)

        return _create_once(store, rng, business_id(), body.get("idempotency_id"), make)

    @app.get("/contact_allocations")
    def list_allocations():
        paging = _page_args()
        if isinstance(paging, Response):
            return paging
        items = allocations.query(business_id(), contact_id=request.args.get("contact_id"))
        wanted = request.args.get("transaction_type_id")
        items = [a for a in items if not wanted or a["transaction_type"]["id"] == wanted]
        return _page(items, *paging, show=lambda a: a)

    @app.get("/contact_allocations/<allocation_id>")
    def get_allocation(allocation_id):
        found = allocations.get(business_id(), allocation_id)
        if found is None:
            return sage_errors(404, "RecordNotFound", "Record not found.")
        return jsonify(found)

    @app.delete("/contact_allocations/<allocation_id>")
    def delete_allocation(allocation_id):
        if not allocations.delete(business_id(), allocation_id):
            return sage_errors(404, "RecordNotFound", "Record not found.")
        return Response(status=204)


def _page_args() -> tuple[int, int] | Response:
    try:
        page = max(1, int(request.args.get("page", 1)))
        per_page = min(MAX_PAGE, max(1, int(request.args.get("items_per_page", 20))))
    except ValueError:
        return sage_errors(422, "InvalidParameter", "page and items_per_page must be integers.", "page")
    return page, per_page


def _page(items: list[dict], page: int, per_page: int, show: Callable[[dict], dict]) -> Response:
    """Sage's list envelope; a page past the end returns the last page."""
    total = len(items)
    last = max(1, -(-total // per_page))
    page = min(page, last)
    chunk = items[(page - 1) * per_page : page * per_page]

    def link(p: int) -> str:
        query = {k: v for k, v in request.args.items() if k != "page"}
        query["page"] = str(p)
        return request.path + "?" + "&".join(f"{k}={v}" for k, v in query.items())

    return jsonify(
        {
            "$total": total,
            "$page": page,
            "$next": link(page + 1) if page < last else None,
            "$back": link(page - 1) if page > 1 else None,
            "$itemsPerPage": per_page,
            "$items": [show(c) for c in chunk],
        }
    )


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


def _add_documents_admin(
    app: Flask, documents: Documents, allocations: Allocations, default_business: str
) -> None:
    """`GET /__admin/documents/<kind>` (`business`, `contact_id`, `reference` exact): what Sage holds,
    for tests to count (void ones included, with their status; deleted contact allocations with
    `deleted_at`)."""

    @app.get("/__admin/documents/<kind>")
    def admin_documents(kind):
        if kind not in KINDS and kind != "contact_allocations":
            abort(404)
        business = request.args.get("business") or request.headers.get("X-Business") or default_business
        contact_id = request.args.get("contact_id")
        if kind == "contact_allocations":
            items = allocations.query(business, contact_id=contact_id, deleted=True)
        else:
            items = documents.query(business, kind, contact_id=contact_id)
        reference = request.args.get("reference")
        if reference is not None:
            items = [d for d in items if d.get("reference") == reference]
        return jsonify({"total": len(items), "documents": items})


def _drop_connection() -> None:
    """Close the client's connection without an answer (gunicorn exposes the socket)."""
    sock = request.environ.get("gunicorn.socket")
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
