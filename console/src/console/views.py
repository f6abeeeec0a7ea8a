"""The console's pages. Each handler reads or writes through the public API (api.py) with the
person's session and renders a Jinja template; htmx swaps the customer list as the person types.

What a person may do is the gateway's decision (its role table): the pages only hide the buttons a
role cannot use, and a POST the role may not make is refused by the gateway, whatever the page showed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError

from .api import Answer, Api, SessionEnded

bp = Blueprint("console", __name__, url_prefix="/console")

ROLES = ("admin", "accounts", "sales", "engineer", "readonly")
WRITERS = ("admin", "accounts", "sales", "engineer")
MONEY = ("admin", "accounts")
TABS = (
    ("overview", "Overview"),
    ("contacts", "Contacts"),
    ("branches", "Branches"),
    ("addresses", "Work addresses"),
    ("assets", "Assets"),
    ("servicing", "Servicing"),
    ("work", "Quotes, jobs & invoices"),
    ("statement", "Statement"),
    ("notes", "Notes"),
    ("communications", "Communications"),
    ("files", "Files"),
    ("timeline", "Timeline"),
)
PAYMENT_METHODS = ("bank_transfer", "cash", "cheque", "card", "direct_debit", "other")
CUSTOMER_FIELDS = ("title", "first_name", "surname", "company_name", "email", "phone")
ADDRESS_FIELDS = ("line_1", "line_2", "town", "county", "postcode")
CONFLICT = "This customer was changed by someone else since you opened it — reload to see their changes."


def settings():
    return current_app.extensions["fieldbook_console"]


def api() -> Api:
    return Api(
        settings().gateway_url, session.get("token"), settings().timeout, request.headers.get("X-Request-Id")
    )


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not session.get("token"):
            return redirect(url_for("console.login_page", next=request.full_path.rstrip("?")))
        g.user = session.get("user", {})
        g.can_write = g.user.get("role") in WRITERS
        g.can_money = g.user.get("role") in MONEY
        return view(*args, **kwargs)

    return wrapper


@bp.app_errorhandler(SessionEnded)
def _session_ended(_exc):
    session.clear()
    return redirect(url_for("console.login_page", ended=1))


@bp.app_errorhandler(CSRFError)
def _csrf_refused(exc):
    return render_template(
        "error.html",
        status=400,
        message=f"The form could not be checked ({exc.description}). Reload the page and try again.",
    ), 400


def refused(answer: Answer) -> tuple[str, int]:
    """An API refusal (403, 404, …) shown as a page with the same status."""
    message = answer.detail or f"The request was refused ({answer.status})."
    return render_template("error.html", status=answer.status, message=message), answer.status


class Refusal(Exception):
    """An API refusal met while preparing a page: shown as the error page with its status."""

    def __init__(self, answer: Answer):
        super().__init__(answer.status)
        self.answer = answer


@bp.app_errorhandler(Refusal)
def _refusal(exc: Refusal):
    return refused(exc.answer)


def read(client: Api, path: str, **params) -> Any:
    """The body of a GET a page cannot do without; a refusal (403, 404 …) is the page instead."""
    answer = client.get(path, **params)
    if not answer.ok:
        raise Refusal(answer)
    return answer.body


# ------------------------------------------------------------------------------------- sessions


@bp.get("/login")
def login_page():
    ended = "Your session has ended: please log in again." if request.args.get("ended") else None
    welcome = request.args.get("welcome")
    return render_template("login.html", error=ended, email=welcome or "", welcome=welcome)


def start_session(body: dict, target: str):
    """A session the gateway opened: its token and the user in the (fresh) cookie; then the page."""
    session.clear()  # a fresh cookie (and CSRF secret) for the new session: no fixation
    session["token"] = body["token"]
    user = body["user"]
    session["user"] = {k: user[k] for k in ("email", "name", "role", "tenant_id")}
    return redirect(target if target.startswith("/console/") else url_for("console.customers"))


@bp.post("/login")
def login():
    email = request.form.get("email", "")
    answer = Api(settings().gateway_url, None, settings().timeout).post(
        "/v1/sessions", {"email": email, "password": request.form.get("password", "")}
    )
    target = request.args.get("next", "")
    if answer.status == 202:  # a second factor: the code page finishes the login (people.py)
        session.clear()
        session["challenge"], session["next"] = answer.body["challenge"], target
        return redirect(url_for("people.login_code"))
    if not answer.ok:
        message = answer.detail or "The login failed."
        return render_template("login.html", error=message, email=email), answer.status
    return start_session(answer.body, target)


@bp.post("/logout")
@login_required
def logout():
    everywhere = request.form.get("everywhere") == "1"
    api().delete("/v1/sessions" if everywhere else "/v1/sessions/current")
    session.clear()
    return redirect(url_for("console.login_page"))


# ------------------------------------------------------------------------------------ customers


@bp.get("/")
@login_required
def home():
    return redirect(url_for("console.customers"))


@bp.get("/customers")
@login_required
def customers():
    page = max(1, request.args.get("page", 1, type=int))
    filters = {k: request.args.get(k, "") for k in ("q", "type", "status", "blocked")}
    answer = api().get("/v1/customers", page=page, page_size=settings().page_size, sort="name", **filters)
    if not answer.ok:
        return refused(answer)
    paging = _pagination(answer)
    template = "_customer_rows.html" if request.headers.get("HX-Request") else "customers.html"
    return render_template(template, customers=answer.body, filters=filters, page=page, paging=paging)


def _pagination(answer: Answer) -> dict:
    import json

    try:
        info = json.loads(answer.headers.get("X-Pagination", "{}"))
    except ValueError:
        info = {}
    total, size = int(info.get("total", 0)), settings().page_size
    return {"total": total, "pages": max(1, -(-total // size))}


def _customer_body(form, include_type: bool) -> dict:
    body: dict = {k: (form.get(k, "").strip() or None) for k in CUSTOMER_FIELDS}
    body["surname"] = form.get("surname", "").strip()  # sent even when blank: the API names it
    if include_type:
        body["type"] = form.get("type", "private")
    if body.get("type", form.get("type")) == "private":
        body.pop("company_name", None)
    address = {k: form.get(f"address.{k}", "").strip() for k in ADDRESS_FIELDS}
    body["address"] = {k: v for k, v in address.items() if v}
    return body


@bp.route("/customers/new", methods=["GET", "POST"])
@login_required
def new_customer():
    if not g.can_write:
        abort(403)
    values, errors, message = dict(request.form), {}, None
    if request.method == "POST":
        answer = api().post("/v1/customers", _customer_body(request.form, include_type=True))
        if answer.status == 201:
            return redirect(url_for("console.record", customer_id=answer.body["id"]))
        if answer.status not in (400, 422):
            return refused(answer)
        errors, message = answer.field_errors, answer.detail
    status = 422 if errors or message else 200
    return render_template(
        "customer_form.html", values=values, errors=errors, message=message, customer=None
    ), status


@bp.route("/customers/<customer_id>/edit", methods=["GET", "POST"])
@login_required
def edit_customer(customer_id: str):
    if not g.can_write:
        abort(403)
    current = api().get(f"/v1/customers/{customer_id}")
    if not current.ok:
        return refused(current)
    customer = current.body
    errors, message, conflict = {}, None, False
    if request.method == "GET":
        values = {k: customer.get(k) or "" for k in (*CUSTOMER_FIELDS, "type")}
        values.update({f"address.{k}": (customer.get("address") or {}).get(k) or "" for k in ADDRESS_FIELDS})
        values["etag"] = current.headers.get("ETag", "")
    else:
        values = dict(request.form)
        answer = api().patch(
            f"/v1/customers/{customer_id}",
            _customer_body({**request.form, "type": customer["type"]}, include_type=False),
            **{"If-Match": request.form.get("etag", "")},
        )
        if answer.ok:
            return redirect(url_for("console.record", customer_id=customer_id))
        conflict = answer.status == 412
        if answer.status not in (400, 412, 422):
            return refused(answer)
        errors, message = answer.field_errors, CONFLICT if conflict else answer.detail
    status = 412 if conflict else (422 if message else 200)
    return render_template(
        "customer_form.html",
        values=values,
        errors=errors,
        message=message,
        customer=customer,
        conflict=conflict,
    ), status


# ------------------------------------------------------------------------------ the record (tabs)


@bp.get("/customers/<customer_id>")
@login_required
def record(customer_id: str):
    tab = request.args.get("tab", "overview")
    if tab not in TAB_DATA:
        abort(404)
    client = api()
    customer = read(client, f"/v1/customers/{customer_id}")
    data = TAB_DATA[tab](client, customer_id)
    return render_template(
        "record.html",
        customer=customer,
        tab=tab,
        tabs=TABS,
        data=data,
        today=date.today().isoformat(),
        methods=PAYMENT_METHODS,
        message=request.args.get("message"),
        error=request.args.get("error"),
    )


def _rows(answer: Answer) -> list:
    return answer.body if answer.ok and isinstance(answer.body, list) else []


def _account(client: Api, cid: str) -> dict | None:
    answer = client.get(f"/v1/customers/{cid}/account")
    return answer.body if answer.ok else None


def _overview(client: Api, cid: str) -> dict:
    return {"account": _account(client, cid)}


def _contacts(client: Api, cid: str) -> dict:
    return {"contacts": _rows(client.get(f"/v1/customers/{cid}/contacts"))}


def _work(client: Api, cid: str) -> dict:
    invoices = _rows(client.get(f"/v1/customers/{cid}/invoices"))
    return {
        "quotes": _rows(client.get(f"/v1/customers/{cid}/quotes")),
        "jobs": _rows(client.get(f"/v1/customers/{cid}/jobs")),
        "job_files": files_by_owner(client, cid, "job"),
        "invoices": invoices,
        "open_invoices": [i for i in invoices if i.get("outstanding") not in (None, "0.00")],
        "payments": _rows(client.get(f"/v1/customers/{cid}/payments")),
        "account": _account(client, cid),
    }


def files_by_owner(client: Api, customer_id: str, attached_to: str) -> dict[str, list]:
    """{owner id: its files, newest first} of one kind of record on the customer."""
    answer = client.get(f"/v1/customers/{customer_id}/files", attached_to=attached_to, page_size=100)
    grouped: dict[str, list] = defaultdict(list)
    for f in _rows(answer):
        grouped[f.get("owner_id") or ""].append(f)
    return dict(grouped)


def _statement(client: Api, cid: str) -> dict:
    statement = client.get(f"/v1/customers/{cid}/statement")
    return {"statement": statement.body if statement.ok else None, "account": _account(client, cid)}


def _notes(client: Api, cid: str) -> dict:
    return {"notes": _rows(client.get(f"/v1/customers/{cid}/notes"))}


def _communications(client: Api, cid: str) -> dict:
    return {"communications": _rows(client.get(f"/v1/customers/{cid}/communications"))}


TAB_DATA = {
    "overview": _overview,
    "contacts": _contacts,
    "work": _work,
    "statement": _statement,
    "notes": _notes,
    "communications": _communications,
}


def tab_data(tab: str):
    """Registers the loader of a record tab's data: the tabs of record_tabs.py use it."""

    def register(loader):
        TAB_DATA[tab] = loader
        return loader

    return register


def _back(customer_id: str, tab: str, answer: Answer, done: str):
    """After a form on the record: back to its tab, saying what happened (or why it was refused)."""
    if answer.status in (401, 403):
        return refused(answer)
    if answer.ok:
        return redirect(url_for("console.record", customer_id=customer_id, tab=tab, message=done))
    errors = "; ".join(f"{k}: {v}" for k, v in answer.field_errors.items())
    error = f"{answer.detail} {errors}".strip() or f"Refused ({answer.status})."
    return redirect(url_for("console.record", customer_id=customer_id, tab=tab, error=error))


@bp.post("/customers/<customer_id>/contacts")
@login_required
def add_contact(customer_id: str):
    body = {k: request.form.get(k, "").strip() or None for k in ("title", "first_name", "surname", "email")}
    body["surname"] = body["surname"] or ""
    answer = api().post(f"/v1/customers/{customer_id}/contacts", body)
    return _back(customer_id, "contacts", answer, "Contact added.")


@bp.post("/customers/<customer_id>/invoices")
@login_required
def raise_invoice(customer_id: str):
    f = request.form
    line = {
        "description": f.get("line_description", ""),
        "quantity": f.get("quantity", "1"),
        "unit_price": f.get("unit_price", ""),
        "vat_rate": f.get("vat_rate", "20"),
        "category": f.get("category", "labour"),
    }
    body = {"description": f.get("description") or None, "lines": [line]}
    answer = api().post(f"/v1/customers/{customer_id}/invoices", body)
    number = answer.body.get("number") if answer.ok else ""
    return _back(customer_id, "work", answer, f"Invoice {number} raised.")


@bp.post("/customers/<customer_id>/payments")
@login_required
def record_payment(customer_id: str):
    f = request.form
    body = {
        "customer_id": customer_id,
        "amount": f.get("amount", ""),
        "method": f.get("method", "bank_transfer"),
        "received_on": f.get("received_on") or None,
        "reference": f.get("reference") or None,
    }
    answer = api().post("/v1/payments", {k: v for k, v in body.items() if v is not None})
    return _back(customer_id, "work", answer, "Payment recorded.")


@bp.post("/customers/<customer_id>/payments/<payment_id>/allocations")
@login_required
def allocate(customer_id: str, payment_id: str):
    body = {
        "allocations": [
            {"invoice_id": request.form.get("invoice_id", ""), "amount": request.form.get("amount", "")}
        ]
    }
    answer = api().post(f"/v1/payments/{payment_id}/allocations", body)
    return _back(customer_id, "work", answer, "Payment allocated.")


@bp.post("/customers/<customer_id>/block")
@login_required
def block(customer_id: str):
    answer = api().post(f"/v1/customers/{customer_id}/block", {"reason": request.form.get("reason", "")})
    return _back(customer_id, "overview", answer, "Customer blocked.")


@bp.post("/customers/<customer_id>/unblock")
@login_required
def unblock(customer_id: str):
    reason = request.form.get("reason") or None
    answer = api().post(f"/v1/customers/{customer_id}/unblock", {"reason": reason} if reason else {})
    return _back(customer_id, "overview", answer, "Customer unblocked.")


@bp.post("/customers/<customer_id>/notes")
@login_required
def add_note(customer_id: str):
    body = {
        "text": request.form.get("text", ""),
        "important": request.form.get("important") == "1",
        "do_not_work_with_again": request.form.get("do_not_work_with_again") == "1",
    }
    answer = api().post(f"/v1/customers/{customer_id}/notes", body)
    return _back(customer_id, "notes", answer, "Note added.")


@bp.post("/customers/<customer_id>/statement/send")
@login_required
def send_statement(customer_id: str):
    answer = api().post(f"/v1/customers/{customer_id}/statement/send", {})
    return _back(customer_id, "statement", answer, "Statement sent.")


@bp.get("/customers/<customer_id>/statement.pdf")
@login_required
def statement_pdf(customer_id: str):
    answer = api().call(
        "GET", f"/v1/customers/{customer_id}/statement.pdf", headers={"Accept": "application/pdf"}
    )
    if not answer.ok:
        return refused(answer)
    return Response(
        answer.content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="statement-{customer_id}.pdf"'},
    )
