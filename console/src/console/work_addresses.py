"""The work addresses tab: the customer's properties, added and edited with their occupier and
landlord, each row with the files attached to it.

The customers service keeps them; an edit sends the ETag the form was opened with as `If-Match`,
so a stale edit is a 412 shown as "changed by someone else — reload". The API has no delete for
a work address (its jobs, assets and history stay on it), so the console offers none.
"""

from __future__ import annotations

from flask import request, url_for

from .api import Api
from .record_tabs import (
    ADDRESS,
    ALL,
    Field,
    Form,
    _address_from,
    _address_values,
    _blank_none,
    _customer,
    _saved,
    _show,
    writers_only,
)
from .views import _rows, api, bp, files_by_owner, login_required, refused, tab_data

PERSON = (("first_name", "first name"), ("surname", "surname"), ("email", "email"), ("phone", "phone"))
WORK_ADDRESS_FIELDS = [
    Field("name", "Name (e.g. Flat 2, Head office)"),
    *(Field(name, label, required=name == "address.line_1") for name, label in ADDRESS),
    *(
        Field(f"occupier.{k}", f"Occupier's {label}", type="email" if k == "email" else "text")
        for k, label in PERSON
    ),
    *(
        Field(f"landlord.{k}", f"Landlord's {label}", type="email" if k == "email" else "text")
        for k, label in PERSON
    ),
]


@tab_data("addresses")
def _addresses(client: Api, cid: str) -> dict:
    return {
        "addresses": _rows(client.get(f"/v1/customers/{cid}/work-addresses", page_size=ALL)),
        "files": files_by_owner(client, cid, "work_address"),
    }


def _person_from(form, who: str) -> dict:
    return {k: _blank_none(form.get(f"{who}.{k}")) for k, _ in PERSON}


def _body(form) -> dict:
    return {
        "name": _blank_none(form.get("name")),
        "address": _address_from(form),
        "occupier": _person_from(form, "occupier"),
        "landlord": _person_from(form, "landlord"),
    }


def _values(work_address: dict) -> dict:
    values = {"name": work_address.get("name") or ""}
    values.update(_address_values(work_address.get("address")))
    for who in ("occupier", "landlord"):
        person = work_address.get(who) or {}
        values.update({f"{who}.{k}": person.get(k) or "" for k, _ in PERSON})
    return values


@bp.route("/customers/<customer_id>/work-addresses/new", methods=["GET", "POST"])
@login_required
def new_work_address(customer_id: str):
    writers_only()
    client = api()
    customer = _customer(client, customer_id)
    back = url_for("console.record", customer_id=customer_id, tab="addresses")
    form = Form(
        "Add a work address", WORK_ADDRESS_FIELDS, "Add work address", back, values=dict(request.form)
    )
    if request.method == "GET":
        return _show(form, customer)
    answer = client.post(f"/v1/customers/{customer_id}/work-addresses", _body(request.form))
    return _saved(customer_id, "addresses", "Work address added.", form, customer, answer, "work address")


@bp.route("/customers/<customer_id>/work-addresses/<work_address_id>/edit", methods=["GET", "POST"])
@login_required
def edit_work_address(customer_id: str, work_address_id: str):
    writers_only()
    client = api()
    customer = _customer(client, customer_id)
    path = f"/v1/customers/{customer_id}/work-addresses/{work_address_id}"
    back = url_for("console.record", customer_id=customer_id, tab="addresses")
    form = Form("Edit the work address", WORK_ADDRESS_FIELDS, "Save", back, reload=request.path)
    if request.method == "GET":
        current = client.get(path)
        if not current.ok:
            return refused(current)
        form.values = _values(current.body)
        form.values["etag"] = current.headers.get("ETag", "")
        return _show(form, customer)
    form.values = dict(request.form)
    answer = client.patch(path, _body(request.form), **{"If-Match": request.form.get("etag", "")})
    return _saved(customer_id, "addresses", "Work address saved.", form, customer, answer, "work address")
