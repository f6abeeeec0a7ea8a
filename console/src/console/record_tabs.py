"""The record's further tabs and their forms: branches, assets, servicing, files, timeline.

Each reads and writes through the public API like the tabs of views.py: branches are the customers
service's, assets the assets service's, reminders and contracts servicing's, files the files
service's, the timeline the gateway's own merge. Edits send the ETag the form was opened with as
`If-Match`, so a stale edit is a 412 shown as "changed by someone else — reload".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Response, abort, g, redirect, render_template, request, url_for

from .api import Answer, Api
from .views import Refusal, _back, _rows, api, bp, files_by_owner, login_required, read, refused, tab_data

ADDRESS = (
    ("address.line_1", "Address line 1"),
    ("address.line_2", "Address line 2"),
    ("address.town", "Town"),
    ("address.county", "County"),
    ("address.postcode", "Postcode"),
)
DECISIONS = (("book", "Book"), ("postpone", "Postpone"), ("cancel", "Cancel"))
TIMELINE_PAGE = 25
ALL = 100  # the services' largest page: a record's branches, work addresses, assets on one page
CHANGED = "changed by someone else since you opened it — reload to see their changes."


@dataclass(frozen=True)
class Field:
    """One input of a record form; `choices` makes it a select (value, label)."""

    name: str
    label: str
    type: str = "text"
    required: bool = False
    choices: tuple[tuple[str, str], ...] | None = None
    hint: str = ""


@dataclass
class Form:
    """What record_form.html renders: the fields, the values typed, the API's errors beside them."""

    title: str
    fields: list[Field]
    submit: str
    cancel: str
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    message: str | None = None
    conflict: bool = False
    reload: str | None = None
    delete: str | None = None  # the delete form's action, on an edit form


def _blank_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _address_from(form) -> dict:
    return {k.split(".", 1)[1]: _blank_none(form.get(k)) for k, _ in ADDRESS}


def _address_values(address: dict | None) -> dict:
    return {k: (address or {}).get(k.split(".", 1)[1]) or "" for k, _ in ADDRESS}


def _show(form: Form, customer: dict, status: int = 200):
    return render_template("record_form.html", form=form, customer=customer), status


def _refused_form(form: Form, customer: dict, answer: Answer, what: str):
    """A write the API refused: field errors beside their fields, a 412 as the conflict message,
    anything else (403, 404) as the error page."""
    if answer.status == 412:
        form.conflict, form.message = True, f"This {what} was {CHANGED}"
        return _show(form, customer, 412)
    if answer.status in (400, 409, 422):
        form.errors = answer.field_errors
        known = {f.name for f in form.fields}
        others = [f"{k}: {v}" for k, v in form.errors.items() if k not in known]
        form.message = " ".join([answer.detail, *others]).strip() or f"Refused ({answer.status})."
        return _show(form, customer, answer.status)
    return refused(answer)


def _saved(customer_id: str, tab: str, message: str, form: Form, customer: dict, answer: Answer, what: str):
    """After a tab's form is sent: back to the record's `tab` with `message`, or the form again
    with the API's reasons (one place, so every tab's forms answer alike)."""
    if answer.ok:
        return redirect(url_for("console.record", customer_id=customer_id, tab=tab, message=message))
    return _refused_form(form, customer, answer, what)


def _customer(client: Api, customer_id: str) -> dict:
    return read(client, f"/v1/customers/{customer_id}")


def writers_only() -> None:
    # the gateway refuses the write anyway; this spares a readonly person a form they cannot send
    if not g.can_write:
        raise Refusal(Answer(403, {"detail": f"The {g.user.get('role')} role may not change records."}))


def _posted(form: Form) -> dict:
    """What was typed into `form`, to show again: a checkboxes field's values as a list."""
    values = request.form.to_dict()
    values.update({f.name: request.form.getlist(f.name) for f in form.fields if f.type == "checkboxes"})
    return values


@dataclass(frozen=True)
class RecordForm:
    """One kind of record a tab adds and edits with record_form.html: which tab, what it is called
    ("an asset"), its fields (a list, or made per customer from the API), the API body from the
    sent form, and the form's values from the record as the API answers it. Every kind answers
    alike: a refusal beside its fields, a 412 as the conflict, else back to the tab."""

    tab: str
    noun: str
    fields: Callable[[Api, str], list[Field]]
    body: Callable[[Any], dict]
    values: Callable[[dict], dict] | None = None

    @property
    def what(self) -> str:
        return self.noun.split(" ", 1)[1]

    def _open(self, customer_id: str) -> tuple[Api, dict, str]:
        """The API client, the customer (a refusal if it cannot be read) and the tab to go back to."""
        writers_only()
        client = api()
        back = url_for("console.record", customer_id=customer_id, tab=self.tab)
        return client, _customer(client, customer_id), back

    def add(self, customer_id: str, path: str, defaults: dict | None = None):
        """The add form (GET, with `defaults`), or the record sent to `path` (POST)."""
        client, customer, back = self._open(customer_id)
        fields = self.fields(client, customer_id)
        form = Form(f"Add {self.noun}", fields, f"Add {self.what}", back, values=dict(defaults or {}))
        if request.method == "GET":
            return _show(form, customer)
        form.values = _posted(form)
        answer = client.post(path, self.body(request.form))
        return _saved(
            customer_id, self.tab, f"{self.what.capitalize()} added.", form, customer, answer, self.what
        )

    def edit(self, customer_id: str, path: str, delete: str | None = None, of_customer: bool = False):
        """The edit form of the record at `path` with its ETag (GET), or the edit sent with it as
        `If-Match` (POST). `of_customer`: the path does not name the customer, so a record of
        another customer is a 404 here."""
        client, customer, back = self._open(customer_id)
        form = Form(
            f"Edit the {self.what}", self.fields(client, customer_id), "Save", back, reload=request.path
        )
        form.delete = delete
        if request.method == "GET":
            current = client.get(path)
            if not current.ok:
                return refused(current)
            if of_customer and current.body.get("customer_id") != customer_id:
                abort(404)  # a record of another customer is not edited from this record
            form.values = self.values(current.body) if self.values else {}
            form.values["etag"] = current.headers.get("ETag", "")
            return _show(form, customer)
        form.values = _posted(form)
        answer = client.patch(path, self.body(request.form), **{"If-Match": request.form.get("etag", "")})
        return _saved(
            customer_id, self.tab, f"{self.what.capitalize()} saved.", form, customer, answer, self.what
        )


# ------------------------------------------------------------------------------------- branches


@tab_data("branches")
def _branches(client: Api, cid: str) -> dict:
    return {"branches": _rows(client.get(f"/v1/customers/{cid}/branches", page_size=ALL))}


BRANCH_FIELDS = [
    Field("name", "Branch name", required=True),
    Field("code", "Code"),
    *(Field(name, label) for name, label in ADDRESS),
]


def _branch_body(form) -> dict:
    return {
        "name": form.get("name", "").strip(),
        "code": _blank_none(form.get("code")),
        "address": _address_from(form),
    }


def _branch_values(branch: dict) -> dict:
    return {"name": branch.get("name") or "", "code": branch.get("code") or ""} | _address_values(
        branch.get("address")
    )


BRANCH = RecordForm("branches", "a branch", lambda client, cid: BRANCH_FIELDS, _branch_body, _branch_values)


@bp.route("/customers/<customer_id>/branches/new", methods=["GET", "POST"])
@login_required
def new_branch(customer_id: str):
    return BRANCH.add(customer_id, f"/v1/customers/{customer_id}/branches")


@bp.route("/customers/<customer_id>/branches/<branch_id>/edit", methods=["GET", "POST"])
@login_required
def edit_branch(customer_id: str, branch_id: str):
    path = f"/v1/customers/{customer_id}/branches/{branch_id}"
    delete = url_for("console.delete_branch", customer_id=customer_id, branch_id=branch_id)
    return BRANCH.edit(customer_id, path, delete)


def _deleted(customer_id: str, tab: str, answer: Answer, what: str):
    """After a delete sent with the ETag the edit form was opened with: a 412 is the conflict."""
    if answer.status == 412:
        error = f"This {what} was {CHANGED}"
        return redirect(url_for("console.record", customer_id=customer_id, tab=tab, error=error))
    return _back(customer_id, tab, answer, f"{what.capitalize()} deleted.")


@bp.post("/customers/<customer_id>/branches/<branch_id>/delete")
@login_required
def delete_branch(customer_id: str, branch_id: str):
    path = f"/v1/customers/{customer_id}/branches/{branch_id}"
    answer = api().delete(path, **{"If-Match": request.form.get("etag", "")})
    return _deleted(customer_id, "branches", answer, "branch")


# --------------------------------------------------------------------------------------- assets


def _work_address_label(w: dict) -> str:
    a = w.get("address") or {}
    return w.get("name") or ", ".join(x for x in (a.get("line_1"), a.get("postcode")) if x) or w["id"]


def _asset_label(a: dict) -> str:
    words = " ".join(x for x in (a.get("brand"), a.get("description")) if x)
    serial = f" ({a['serial_number']})" if a.get("serial_number") else ""
    return (words or "Asset") + serial


@tab_data("assets")
def _assets(client: Api, cid: str) -> dict:
    work_addresses = _rows(client.get(f"/v1/customers/{cid}/work-addresses", page_size=ALL))
    groups = _rows(client.get("/v1/asset-catalogue/groups", page_size=ALL))
    return {
        "assets": _rows(client.get(f"/v1/customers/{cid}/assets", page_size=ALL)),
        "files": files_by_owner(client, cid, "asset"),
        "work_addresses": {w["id"]: _work_address_label(w) for w in work_addresses},
        "groups": {gr["id"]: gr.get("name", "") for gr in groups},
    }


def _asset_fields(client: Api, cid: str) -> list[Field]:
    work_addresses = _rows(client.get(f"/v1/customers/{cid}/work-addresses", page_size=ALL))
    groups = _rows(client.get("/v1/asset-catalogue/groups", page_size=ALL))
    return [
        Field(
            "work_address_id",
            "Work address",
            choices=(
                ("", "None (the customer's own address)"),
                *((w["id"], _work_address_label(w)) for w in work_addresses),
            ),
        ),
        Field("brand", "Brand"),
        Field("description", "Description"),
        Field("serial_number", "Serial number"),
        Field("technical_reference", "Technical reference"),
        Field(
            "asset_group_id",
            "Asset group",
            choices=(("", "None"), *((gr["id"], gr.get("name", "")) for gr in groups)),
        ),
        Field("install_date", "Install date", type="date"),
        Field("warranty_expiry", "Warranty expiry", type="date"),
    ]


ASSET_KEYS = (
    "work_address_id",
    "brand",
    "description",
    "serial_number",
    "technical_reference",
    "asset_group_id",
    "install_date",
    "warranty_expiry",
)


def _asset_body(form) -> dict:
    return {k: _blank_none(form.get(k)) for k in ASSET_KEYS}


ASSET = RecordForm(
    "assets",
    "an asset",
    _asset_fields,
    _asset_body,
    lambda asset: {k: asset.get(k) or "" for k in ASSET_KEYS},
)


@bp.route("/customers/<customer_id>/assets/new", methods=["GET", "POST"])
@login_required
def new_asset(customer_id: str):
    defaults = {"work_address_id": request.args.get("work_address_id", "")}
    return ASSET.add(customer_id, f"/v1/customers/{customer_id}/assets", defaults)


@bp.route("/customers/<customer_id>/assets/<asset_id>/edit", methods=["GET", "POST"])
@login_required
def edit_asset(customer_id: str, asset_id: str):
    delete = url_for("console.delete_asset", customer_id=customer_id, asset_id=asset_id)
    return ASSET.edit(customer_id, f"/v1/assets/{asset_id}", delete, of_customer=True)


@bp.post("/customers/<customer_id>/assets/<asset_id>/delete")
@login_required
def delete_asset(customer_id: str, asset_id: str):
    answer = api().delete(f"/v1/assets/{asset_id}", **{"If-Match": request.form.get("etag", "")})
    return _deleted(customer_id, "assets", answer, "asset")


# ------------------------------------------------------------------------------------ servicing


@tab_data("servicing")
def _servicing(client: Api, cid: str) -> dict:
    work_addresses = _rows(client.get(f"/v1/customers/{cid}/work-addresses", page_size=ALL))
    assets = _rows(client.get(f"/v1/customers/{cid}/assets", page_size=ALL))
    return {
        "reminders": _rows(client.get("/v1/service-reminders", customer_id=cid, page_size=ALL)),
        "contracts": _rows(client.get(f"/v1/customers/{cid}/contracts", page_size=ALL)),
        "work_addresses": {w["id"]: _work_address_label(w) for w in work_addresses},
        "assets": {a["id"]: _asset_label(a) for a in assets},
        "decisions": DECISIONS,
    }


@bp.post("/customers/<customer_id>/service-reminders/<reminder_id>/decision")
@login_required
def decide_reminder(customer_id: str, reminder_id: str):
    f = request.form
    body = {
        "reminder_ids": [reminder_id],
        "decision": f.get("decision", ""),
        "date": _blank_none(f.get("date")),
        "reason": _blank_none(f.get("reason")),
    }
    answer = api().post("/v1/service-reminders/decisions", body)
    done = {"book": "Service booked.", "postpone": "Service postponed.", "cancel": "Service cancelled."}
    return _back(customer_id, "servicing", answer, done.get(body["decision"], "Decided."))


@bp.post("/customers/<customer_id>/contracts/<contract_id>/renew")
@login_required
def renew_contract(customer_id: str, contract_id: str):
    answer = api().post(f"/v1/contracts/{contract_id}/renew")
    return _back(customer_id, "servicing", answer, "Contract renewed.")


@bp.post("/customers/<customer_id>/contracts/<contract_id>/cancel")
@login_required
def cancel_contract(customer_id: str, contract_id: str):
    answer = api().post(f"/v1/contracts/{contract_id}/cancel", {"reason": request.form.get("reason", "")})
    return _back(customer_id, "servicing", answer, "Contract cancelled.")


def _plan_label(p: dict) -> str:
    frequency = (p.get("billing_frequency") or "").replace("_", " ")
    return f"{p.get('name', '')} — £{p.get('price', '')} {frequency}".strip()


def _contract_fields(client: Api, cid: str) -> list[Field]:
    plans = _rows(client.get("/v1/service-plans", page_size=ALL))
    work_addresses = _rows(client.get(f"/v1/customers/{cid}/work-addresses", page_size=ALL))
    assets = _rows(client.get(f"/v1/customers/{cid}/assets", page_size=ALL))
    return [
        Field(
            "plan_id",
            "Service plan",
            required=True,
            choices=(("", "Choose a plan"), *((p["id"], _plan_label(p)) for p in plans)),
        ),
        Field("start_date", "Start date", type="date", required=True),
        Field("end_date", "End date (the term's last day)", type="date", required=True),
        Field("auto_renew", "Renew automatically at the end date", type="checkbox"),
        Field(
            "work_address_ids",
            "Work addresses covered",
            type="checkboxes",
            choices=tuple((w["id"], _work_address_label(w)) for w in work_addresses),
        ),
        Field(
            "asset_ids",
            "Assets covered",
            type="checkboxes",
            choices=tuple((a["id"], _asset_label(a)) for a in assets),
        ),
    ]


def _a_year_from(start: date) -> date:
    """The last day of a year's term starting on `start` (29 February starts end on 28 February)."""
    try:
        return start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:
        return start.replace(year=start.year + 1, day=28)


def _contract_body(f) -> dict:
    return {
        "plan_id": _blank_none(f.get("plan_id")),
        "start_date": _blank_none(f.get("start_date")),
        "end_date": _blank_none(f.get("end_date")),
        "auto_renew": f.get("auto_renew") == "1",
        "work_address_ids": f.getlist("work_address_ids"),
        "asset_ids": f.getlist("asset_ids"),
    }


CONTRACT = RecordForm("servicing", "a contract", _contract_fields, _contract_body)


@bp.route("/customers/<customer_id>/contracts/new", methods=["GET", "POST"])
@login_required
def new_contract(customer_id: str):
    today = date.today()
    defaults = {"start_date": today.isoformat(), "end_date": _a_year_from(today).isoformat()}
    return CONTRACT.add(customer_id, f"/v1/customers/{customer_id}/contracts", defaults)


@bp.post("/customers/<customer_id>/service-reminders/<reminder_id>/due-date")
@login_required
def set_due_date(customer_id: str, reminder_id: str):
    """The next service date set by hand (blank: worked out from the interval again), sent with the
    reminder's ETag as the tab showed it: a reminder changed since is the conflict."""
    due = _blank_none(request.form.get("due_date"))
    answer = api().patch(
        f"/v1/service-reminders/{reminder_id}",
        {"due_date": due},
        **{"If-Match": request.form.get("etag", "")},
    )
    if answer.status == 412:
        error = f"This service was {CHANGED}"
        return redirect(url_for("console.record", customer_id=customer_id, tab="servicing", error=error))
    done = f"Next service date set to {due}." if due else "Next service date worked out from the interval."
    return _back(customer_id, "servicing", answer, done)


# ---------------------------------------------------------------------------------------- files


@tab_data("files")
def _files(client: Api, cid: str) -> dict:
    return {"files": _rows(client.get(f"/v1/customers/{cid}/files", page_size=ALL))}


@bp.post("/customers/<customer_id>/files")
@login_required
def upload_file(customer_id: str):
    part = request.files.get("file")
    if part is None or not part.filename:
        return redirect(
            url_for("console.record", customer_id=customer_id, tab="files", error="Choose a file to upload.")
        )
    answer = api().upload(
        f"/v1/customers/{customer_id}/files",
        part.filename,
        part.read(),
        part.mimetype or "application/octet-stream",
    )
    return _back(customer_id, "files", answer, f"{part.filename} uploaded.")


@bp.get("/customers/<customer_id>/files/<file_id>")
@login_required
def download_file(customer_id: str, file_id: str):
    answer = api().call("GET", f"/v1/files/{file_id}/content", headers={"Accept": "*/*"})
    if not answer.ok:
        return refused(answer)
    keep = ("Content-Type", "Content-Disposition", "X-Content-Type-Options")
    return Response(answer.content, headers={k: answer.headers[k] for k in keep if k in answer.headers})


@bp.post("/customers/<customer_id>/files/<file_id>/delete")
@login_required
def delete_file(customer_id: str, file_id: str):
    answer = api().delete(f"/v1/files/{file_id}")
    return _back(customer_id, "files", answer, "File deleted.")


# ------------------------------------------------------------------------------------- timeline


@tab_data("timeline")
def _timeline(client: Api, cid: str) -> dict:
    cursor = request.args.get("cursor")
    answer = client.get(f"/v1/customers/{cid}/timeline", limit=TIMELINE_PAGE, cursor=cursor)
    body = answer.body if answer.ok and isinstance(answer.body, dict) else {}
    return {
        "entries": body.get("entries") or [],
        "next_cursor": body.get("next_cursor"),
        "unavailable": body.get("unavailable") or [],
        "paged": bool(cursor),
        "refused": None if answer.ok else (answer.detail or f"Refused ({answer.status})."),
    }
