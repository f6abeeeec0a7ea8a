"""Unit-test fixtures: the kit's (`fieldbook_shared.pytest_plugin`: the files app on a migrated
SQLite file, `api`, `outbox`, the in-memory `bus`), a folder of the test's own as the store, and a
fake of the owning services (customers, billing, assets)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from fieldbook_shared.context import RequestContext
from fieldbook_shared.testing import TENANT, ServiceUnderTest
from files.api.files import LOOKUP_EXTENSION
from files.app import create_app
from files.handlers import HANDLERS
from files.manage import MIGRATIONS
from files.settings import load_settings
from files.store.blobs import LocalDisk
from files.uow import FilesUnitOfWork

pytest_plugins = ["fieldbook_shared.pytest_plugin"]

MAX_FILE_BYTES = 64 * 1024  # small, so the 413 is cheap to reach


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
def service_under_test(store_dir) -> ServiceUnderTest:
    return ServiceUnderTest(
        "files",
        MIGRATIONS,
        load_settings,
        create_app,
        FilesUnitOfWork.bound_to(LocalDisk(store_dir)),
        HANDLERS,
        settings_overrides={
            "files_dir": str(store_dir),
            "storage": "local",
            "max_file_bytes": MAX_FILE_BYTES,
            "max_body_bytes": MAX_FILE_BYTES + 16 * 1024,
        },
        stand_ins={LOOKUP_EXTENSION: "owners"},
    )


class FakeOwners:
    """Stands in for the owning services' internal HTTP: records per tenant and kind."""

    def __init__(self):
        self.records: dict[tuple[str, str, str], dict] = {}
        self.down = False

    def owner(self, tenant_id, attached_to, owner_id):
        if self.down:
            from fieldbook_shared.internal_client import UpstreamUnavailable

            raise UpstreamUnavailable("the owner's service is down (test)")
        return self.records.get((tenant_id, attached_to, owner_id))

    def add(self, attached_to: str, customer_id: str | None = None, tenant=TENANT, **fields) -> str:
        rid = str(uuid.uuid4())
        record = {"id": rid, **fields}
        if attached_to != "customer":
            record["customer_id"] = customer_id
        self.records[(tenant, attached_to, rid)] = record
        return rid

    def customer(self, tenant=TENANT) -> str:
        return self.add("customer", tenant=tenant)


@pytest.fixture
def owners():
    return FakeOwners()


def system_uow(service_under_test, sessions, tenant=TENANT) -> FilesUnitOfWork:
    return service_under_test.unit_of_work(sessions, RequestContext.system(tenant), "files")
