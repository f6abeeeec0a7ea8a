"""Files attached to a work address, an asset or a job: listed on their rows, and a page of each
record's files to upload, download and delete.

The files service keeps them under the record's own path (`/v1/work-addresses/{id}/files`,
`/v1/assets/{id}/files`, `/v1/jobs/{id}/files`); the customer's list (`/v1/customers/{id}/files`)
holds them all, each with `attached_to` and `owner_id`, so a tab reads them in one call.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from .api import Api
from .views import api, bp, login_required, read, refused

ALL = 100  # the files service's largest page
# the page's word → (the files service's path word, attached_to, the record's name)
OWNERS = {
    "work-addresses": ("work-addresses", "work_address", "work address"),
    "assets": ("assets", "asset", "asset"),
    "jobs": ("jobs", "job", "job"),
}
# where a record's page goes back to on the customer's record
TABS = {"work-addresses": "addresses", "assets": "assets", "jobs": "work"}


def _owner_label(client: Api, customer_id: str, kind: str, owner_id: str) -> str:
    """What the page calls the record; 404 unless it is this customer's."""
    if kind == "work-addresses":
        answer = client.get(f"/v1/customers/{customer_id}/work-addresses/{owner_id}")
        if not answer.ok:
            abort(404)
        a = answer.body.get("address") or {}
        return answer.body.get("name") or ", ".join(x for x in (a.get("line_1"), a.get("postcode")) if x)
    answer = client.get(f"/v1/{kind}/{owner_id}")
    if not answer.ok or answer.body.get("customer_id") != customer_id:
        abort(404)
    body = answer.body
    if kind == "assets":
        return " ".join(
            x for x in (body.get("brand"), body.get("description"), body.get("serial_number")) if x
        )
    return " ".join(x for x in (body.get("number"), body.get("description")) if x)


def _kind(kind: str) -> tuple[str, str, str]:
    if kind not in OWNERS:
        abort(404)
    return OWNERS[kind]


def _page(customer_id: str, kind: str, owner_id: str, **args):
    return redirect(
        url_for("console.owner_files", customer_id=customer_id, kind=kind, owner_id=owner_id, **args)
    )


@bp.get("/customers/<customer_id>/<kind>/<owner_id>/files")
@login_required
def owner_files(customer_id: str, kind: str, owner_id: str):
    path_word, _attached_to, what = _kind(kind)
    client = api()
    customer = read(client, f"/v1/customers/{customer_id}")
    label = _owner_label(client, customer_id, kind, owner_id)
    files = read(client, f"/v1/{path_word}/{owner_id}/files", page_size=ALL)
    return render_template(
        "owner_files.html",
        customer=customer,
        kind=kind,
        owner_id=owner_id,
        what=what,
        label=label or what,
        files=files,
        back=url_for("console.record", customer_id=customer_id, tab=TABS[kind]),
        message=request.args.get("message"),
        error=request.args.get("error"),
    )


@bp.post("/customers/<customer_id>/<kind>/<owner_id>/files")
@login_required
def upload_owner_file(customer_id: str, kind: str, owner_id: str):
    path_word, _attached_to, _what = _kind(kind)
    part = request.files.get("file")
    if part is None or not part.filename:
        return _page(customer_id, kind, owner_id, error="Choose a file to upload.")
    answer = api().upload(
        f"/v1/{path_word}/{owner_id}/files",
        part.filename,
        part.read(),
        part.mimetype or "application/octet-stream",
    )
    return _answered(customer_id, kind, owner_id, answer, f"{part.filename} uploaded.")


@bp.post("/customers/<customer_id>/<kind>/<owner_id>/files/<file_id>/delete")
@login_required
def delete_owner_file(customer_id: str, kind: str, owner_id: str, file_id: str):
    _kind(kind)
    answer = api().delete(f"/v1/files/{file_id}")
    return _answered(customer_id, kind, owner_id, answer, "File deleted.")


def _answered(customer_id: str, kind: str, owner_id: str, answer, done: str):
    if answer.status in (401, 403):
        return refused(answer)
    if answer.ok:
        return _page(customer_id, kind, owner_id, message=done)
    errors = "; ".join(f"{k}: {v}" for k, v in answer.field_errors.items())
    return _page(
        customer_id,
        kind,
        owner_id,
        error=f"{answer.detail} {errors}".strip() or f"Refused ({answer.status}).",
    )
