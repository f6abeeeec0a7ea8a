"""The work addresses tab: the customer's properties, added and edited with their occupier and
landlord, each row with the files attached to it.

The customers service keeps them; an edit sends the ETag the form was opened with as `If-Match`,
so a stale edit is a 412 shown as "changed by someone else — reload". The API has no delete for
a work address (its jobs, assets and history stay on it), so the console offers none.
"""

from __future__ import annotations

from .api import Api
from .record_tabs import ADDRESS, ALL, Field, RecordForm, _address_from, _address_values, _blank_none
from .views import _rows, bp, files_by_owner, login_required, tab_data

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


WORK_ADDRESS = RecordForm(
    "addresses", "a work address", lambda client, cid: WORK_ADDRESS_FIELDS, _body, _values
)


@bp.route("/customers/<customer_id>/work-addresses/new", methods=["GET", "POST"])
@login_required
def new_work_address(customer_id: str):
    return WORK_ADDRESS.add(customer_id, f"/v1/customers/{customer_id}/work-addresses")


@bp.route("/customers/<customer_id>/work-addresses/<work_address_id>/edit", methods=["GET", "POST"])
@login_required
def edit_work_address(customer_id: str, work_address_id: str):
    return WORK_ADDRESS.edit(customer_id, f"/v1/customers/{customer_id}/work-addresses/{work_address_id}")
