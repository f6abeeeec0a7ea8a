"""Mass email: choose who (a mailing list, or the customers a list filter finds) and what (a
template, or a subject and body), see who would be emailed and who skipped (comms' preview),
then send; the job's progress page follows the send.

Comms decides who is skipped (no address, opted out, dormant on an automated send): the console
only shows its preview and sends the same selection.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

from flask import redirect, render_template, request, url_for

from .api import Api
from .record_tabs import ALL, writers_only
from .views import _rows, api, bp, login_required, read, refused

FILTERS = ("q", "type", "status", "blocked", "postcode", "account_manager")
MOST_PAGES = 100  # 100 pages of 100: comms takes at most 10,000 customers in one mass email
SHOWN_ROWS = 200  # the preview's table; the counts cover every recipient


def _customer_ids(client: Api, filters: dict) -> list[str]:
    """Every customer the list's filters find, page by page."""
    ids: list[str] = []
    for page in range(1, MOST_PAGES + 1):
        customers = read(client, "/v1/customers", page=page, page_size=ALL, **filters)
        ids += [c["id"] for c in customers]
        if len(customers) < ALL:
            break
    return ids


def _selection(client: Api, form) -> dict:
    """Who, as comms reads it: the mailing list, else the filtered customers' ids."""
    if form.get("mailing_list_id"):
        return {"mailing_list_id": form["mailing_list_id"]}
    ids = _customer_ids(client, {k: form.get(k, "") for k in FILTERS})
    return {"customer_ids": ids} if ids else {}


def fingerprint(selection: dict, automated: bool) -> str:
    """What was previewed, in a few characters: the send checks it still is what it would send."""
    chosen = {
        **selection,
        "customer_ids": sorted(selection.get("customer_ids") or []),
        "automated": automated,
    }
    return hashlib.sha256(json.dumps(chosen, sort_keys=True).encode()).hexdigest()[:16]


def _options(client: Api) -> dict:
    return {
        "templates": _rows(client.get("/v1/email-templates", page_size=ALL)),
        "mailing_lists": _rows(client.get("/v1/mailing-lists", page_size=ALL)),
    }


def _message(form) -> dict:
    if form.get("template_id"):
        return {"template_id": form["template_id"]}
    return {"subject": form.get("subject", ""), "body": form.get("body", "")}


def _errors(answer) -> tuple[dict, str]:
    errors = answer.field_errors
    # who is chosen is one question on the page, whatever the field comms named
    for name in ("customer_ids", "mailing_list_id", "_schema"):
        if name in errors:
            errors["recipients"] = "; ".join(x for x in (errors.get("recipients"), errors.pop(name)) if x)
    return errors, answer.detail


@bp.route("/mass-email", methods=["GET", "POST"])
@login_required
def mass_email():
    writers_only()
    client = api()
    form = request.form if request.method == "POST" else request.args
    values = {k: form.get(k, "") for k in (*FILTERS, "mailing_list_id", "template_id", "subject", "body")}
    values["automated"] = form.get("automated", "1" if request.method == "GET" else "")
    automated = values["automated"] == "1"
    context: dict = {"values": values, "errors": {}, "message": None, "preview": None, "previewed": ""}
    context.update(_options(client))
    if request.method == "GET":
        return render_template("mass_email.html", **context)

    selection = _selection(client, form)
    previewed = fingerprint(selection, automated)
    sending = request.form.get("action") == "send"
    if sending and request.form.get("previewed") != previewed:
        # the filters (or the customers they find) changed since the preview: preview again first
        context["message"] = (
            "Who it would reach has changed since the preview: check it again before sending."
        )
        sending = False
    if sending:
        answer = client.post("/v1/mass-emails", {**selection, **_message(form), "automated": automated})
        if answer.status == 202:
            return redirect(url_for("console.mass_email_job", job_id=answer.body["id"]))
    else:
        answer = client.post("/v1/mass-emails/preview", {**selection, "automated": automated})
        if answer.ok:
            context["previewed"] = previewed
            rows = answer.body
            counts = Counter(r["status"] for r in rows)
            context["preview"] = {
                "send": counts["send"],
                "skipped": counts["skipped"],
                "unknown": counts["unknown"],
                "reasons": Counter(
                    r.get("reason") or "" for r in rows if r["status"] != "send"
                ).most_common(),
                "rows": rows[:SHOWN_ROWS],
                "total": len(rows),
            }
            return render_template("mass_email.html", **context)
    if answer.status not in (400, 409, 422):
        return refused(answer)
    context["errors"], context["message"] = _errors(answer)
    return render_template("mass_email.html", **context), answer.status


@bp.get("/mass-emails/<job_id>")
@login_required
def mass_email_job(job_id: str):
    job = read(api(), f"/v1/mass-emails/{job_id}")
    template = "_mass_email_progress.html" if request.headers.get("HX-Request") else "mass_email_job.html"
    return render_template(template, job=job)
