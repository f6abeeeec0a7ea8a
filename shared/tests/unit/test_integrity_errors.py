"""A constraint the database refuses is a 409 or 422 problem naming the field, never a 500 or SQL."""

from __future__ import annotations

import pytest
from kit_support import gadgets_client

H = {"X-Tenant-Id": "t1", "X-Role": "admin", "X-Actor": "tester"}


@pytest.fixture
def client(tmp_path):
    return gadgets_client(f"sqlite:///{tmp_path / 'gadgets.db'}")


def assert_no_sql(resp):
    text = resp.get_data(as_text=True)
    for leaked in ("INSERT", "DELETE", "constraint failed", "test_gadgets.", "Traceback", "SN-1"):
        assert leaked not in text


def test_a_duplicate_is_409_naming_the_field(client):
    assert (
        client.post("/v1/gadgets", json={"name": "a", "serial_number": "SN-1"}, headers=H).status_code == 201
    )
    resp = client.post("/v1/gadgets", json={"name": "b", "serial_number": "SN-1"}, headers=H)
    assert resp.status_code == 409 and resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["detail"] == "Another record already has this serial_number."
    assert body["errors"] == {"serial_number": ["Already used by another record."]}
    assert_no_sql(resp)
    # the same serial number in another tenant is no duplicate
    other = client.post(
        "/v1/gadgets", json={"name": "c", "serial_number": "SN-1"}, headers={**H, "X-Tenant-Id": "t2"}
    )
    assert other.status_code == 201


def test_a_reference_to_a_missing_record_is_409(client):
    resp = client.post("/v1/gadgets", json={"name": "a", "shelf_id": 99}, headers=H)
    assert resp.status_code == 409
    assert "refers to a record that does not exist" in resp.get_json()["detail"]
    assert_no_sql(resp)


def test_removing_a_record_others_refer_to_is_409(client):
    assert client.put("/v1/gadgets/shelves/1", headers=H).status_code == 200
    assert client.post("/v1/gadgets", json={"name": "a", "shelf_id": 1}, headers=H).status_code == 201
    resp = client.delete("/v1/gadgets/shelves/1", headers=H)
    assert resp.status_code == 409
    assert_no_sql(resp)


def test_a_missing_required_value_is_422_naming_the_field(client):
    resp = client.post("/v1/gadgets", json={"serial_number": "SN-2"}, headers=H)
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == {"name": ["Missing data for required field."]}
    assert_no_sql(resp)


def test_a_failed_check_is_422_naming_the_constraint(client):
    resp = client.post("/v1/gadgets", json={"name": "a", "weight": 0}, headers=H)
    assert resp.status_code == 422
    assert resp.get_json()["constraint"] == "ck_test_gadgets_weight"
    assert_no_sql(resp)
