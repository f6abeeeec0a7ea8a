"""The blob stores: a local folder, and an S3 bucket spoken to over the S3 protocol (moto's server on
a local port, the same boto3 calls production makes). Then the whole service on the bucket: an upload
and an erasure leave nothing behind in it."""

from __future__ import annotations

import io
import socket

import boto3
import pytest
from moto.server import ThreadedMotoServer

from fieldbook_shared.testing import TENANT, ServiceUnderTest, publish
from files.api.files import LOOKUP_EXTENSION
from files.app import create_app
from files.handlers import HANDLERS
from files.manage import MIGRATIONS
from files.settings import load_settings, open_store
from files.store.blobs import BlobMissing, LocalDisk, S3Bucket, StorageUnavailable
from files.uow import FilesUnitOfWork
from tests.unit.test_content import PDF

BUCKET = "fieldbook-files-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "eu-west-2",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def bucket(s3_endpoint, aws_env):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-2")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalDisk(tmp_path / "blobs")
    request.getfixturevalue("bucket")
    return S3Bucket.connect(BUCKET, request.getfixturevalue("s3_endpoint"), "eu-west-2", prefix="files")


def test_put_read_remove(store):
    key = f"{TENANT}/0b8a9c52-5d3f-4d6f-9b1e-4c2f1a7e9d10"
    data = PDF + bytes(range(256)) * 1000  # more than one chunk
    assert not store.exists(key)
    store.put(key, data, "application/pdf")
    assert store.exists(key)
    assert b"".join(store.chunks(key)) == data
    store.remove(key)
    assert not store.exists(key)
    with pytest.raises(BlobMissing):
        store.chunks(key)
    store.remove(key)  # nothing there: no error


def test_keys_are_checked(store):
    for key in ("../etc/passwd", "tenant/../../x", "/abs/path", "tenant/a b"):
        with pytest.raises(ValueError):
            store.put(key, b"x", "text/plain")


def test_the_bucket_holds_the_bytes_under_the_prefix(bucket, s3_endpoint):
    store = S3Bucket.connect(BUCKET, s3_endpoint, "eu-west-2", prefix="files")
    store.put(f"{TENANT}/abc-1", b"hello", "text/plain")
    item = bucket.get_object(Bucket=BUCKET, Key=f"files/{TENANT}/abc-1")
    assert item["Body"].read() == b"hello" and item["ContentType"] == "text/plain"


def test_an_unreachable_bucket_is_storage_unavailable(aws_env):
    store = S3Bucket.connect(BUCKET, f"http://127.0.0.1:{_free_port()}", "eu-west-2")
    with pytest.raises(StorageUnavailable):
        store.put(f"{TENANT}/abc-1", b"hello", "text/plain")


def test_settings_choose_the_store(s3_endpoint, tmp_path, aws_env):
    local = open_store(load_settings(files_dir=str(tmp_path / "f")))
    assert isinstance(local, LocalDisk) and local.root == tmp_path / "f"
    s3 = open_store(load_settings(storage="s3", s3_bucket=BUCKET, s3_endpoint_url=s3_endpoint))
    assert isinstance(s3, S3Bucket) and s3.bucket == BUCKET


# --- the whole service on the bucket ---------------------------------------------------------


@pytest.fixture
def service_under_test(s3_endpoint, aws_env) -> ServiceUnderTest:
    overrides = {
        "storage": "s3",
        "s3_bucket": BUCKET,
        "s3_endpoint_url": s3_endpoint,
        "s3_region": "eu-west-2",
        "s3_prefix": "fieldbook",
    }
    store = S3Bucket.connect(BUCKET, s3_endpoint, "eu-west-2", prefix="fieldbook")
    return ServiceUnderTest(
        "files",
        MIGRATIONS,
        load_settings,
        create_app,
        FilesUnitOfWork.bound_to(store),
        HANDLERS,
        settings_overrides=overrides,
        stand_ins={LOOKUP_EXTENSION: "owners"},
    )


def test_upload_download_and_erasure_on_the_bucket(api, owners, bus, bucket):
    customer = owners.customer()
    wa = owners.add("work_address", customer)
    body = PDF + b"y" * 200_000
    r = api.post(
        f"/v1/work-addresses/{wa}/files",
        data={"file": (io.BytesIO(body), "cert.pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 201, r.get_json()
    file_id = r.get_json()["id"]
    keys = [o["Key"] for o in bucket.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == [f"fieldbook/{TENANT}/{file_id}"]
    assert api.get(f"/v1/files/{file_id}/content").data == body

    publish(bus, "customer.erased", {"customer_id": customer}, tenant=TENANT)
    bus.drain()

    assert bucket.list_objects_v2(Bucket=BUCKET).get("Contents", []) == []
    assert api.get(f"/v1/files/{file_id}/content").status_code == 404
    assert api.get(f"/v1/work-addresses/{wa}/files").get_json() == []
