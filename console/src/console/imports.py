"""CSV import of customers or work addresses: upload the file, map its columns to fields (the
API suggests a mapping), dry run it (the per-row report, nothing written), then import it.

The customers service reads the file and runs the job (its worker); the console shows the
columns, the sample rows, the job's progress and the refused rows. The gateway lets only admins
import: anyone else gets its 403.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from .api import Answer
from .views import _rows, api, bp, login_required, read, refused

KINDS = (("customers", "Customers"), ("work_addresses", "Work addresses"))
MATCH_KEYS = (
    ("", "Never: every row is a new customer"),
    ("accounts_ref", "Accounts reference"),
    ("email", "Email"),
    ("name_postcode", "Name and postcode"),
)
FINISHED = ("completed", "failed")
ISSUES_SHOWN = 100


@bp.get("/imports")
@login_required
def imports():
    listed = read(api(), "/v1/imports", page_size=20)
    return render_template("imports.html", imports=listed, kinds=KINDS, error=request.args.get("error"))


@bp.post("/imports")
@login_required
def upload_import():
    part = request.files.get("file")
    if part is None or not part.filename:
        return redirect(url_for("console.imports", error="Choose a CSV file to upload."))
    kind = request.form.get("kind", "customers")
    answer = api().upload("/v1/imports", part.filename, part.read(), "text/csv", kind=kind)
    if answer.status == 201:
        return redirect(url_for("console.import_page", import_id=answer.body["id"]))
    if answer.status in (400, 413, 415, 422):
        errors = "; ".join(f"{k}: {v}" for k, v in answer.field_errors.items())
        return redirect(url_for("console.imports", error=f"{answer.detail} {errors}".strip()))
    return refused(answer)


def _issues(import_id: str, job: dict) -> list:
    if job.get("status") != "completed":
        return []
    return _rows(api().get(f"/v1/imports/{import_id}/errors", page_size=ISSUES_SHOWN))


def _type_needs(job: dict) -> list[tuple[str, list[str]]]:
    """A customers import's rows also need what their customer type requires (the tenant's types)."""
    if job.get("kind") != "customers":
        return []
    types = _rows(api().get("/v1/customer-types"))
    # a type's field names its address part as `address.town`; the import's columns feed `town`
    return [
        (t.get("label") or t.get("name", ""), [f.removeprefix("address.") for f in t["required_fields"]])
        for t in types
        if t.get("required_fields")
    ]


def _show(job: dict, errors: dict | None = None, message: str | None = None, status: int = 200):
    mapping = job.get("mapping") or job.get("suggested_mapping") or {}
    required = job.get("required_fields") or []
    return render_template(
        "import.html",
        job=job,
        mapping=mapping,
        required=required,
        needed={f for group in required for f in group},
        type_needs=_type_needs(job),
        issues=_issues(job["id"], job),
        match_keys=MATCH_KEYS if job.get("kind") == "customers" else (),
        finished=job.get("status") in FINISHED,
        errors=errors or {},
        message=message,
    ), status


@bp.get("/imports/<import_id>")
@login_required
def import_page(import_id: str):
    job = read(api(), f"/v1/imports/{import_id}")
    if request.headers.get("HX-Request"):
        return render_template(
            "_import_result.html",
            job=job,
            issues=_issues(import_id, job),
            finished=job.get("status") in FINISHED,
        )
    return _show(job)


@bp.post("/imports/<import_id>/mapping")
@login_required
def map_import(import_id: str):
    client = api()
    job = read(client, f"/v1/imports/{import_id}")
    # the selects are numbered like the file's columns: a column's name may hold any character
    mapping = {col: request.form.get(f"column-{i}") or None for i, col in enumerate(job.get("columns") or [])}
    body = {
        "mapping": mapping,
        "match_key": request.form.get("match_key") or None,
        "dry_run": request.form.get("action") == "dry_run",
    }
    answer: Answer = client.post(f"/v1/imports/{import_id}/mapping", body)
    if answer.ok:
        return redirect(url_for("console.import_page", import_id=import_id))
    if answer.status not in (400, 409, 422):
        return refused(answer)
    job["mapping"] = {k: v for k, v in mapping.items() if v}
    return _show(job, answer.field_errors, answer.detail or f"Refused ({answer.status}).", answer.status)
