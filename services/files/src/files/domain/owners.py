"""What a file is attached to: one record of the customer's, named by its kind and id.

A file hangs on the customer itself, one of its work addresses, a job or an asset. Each kind is
owned by another service, which says whether the record exists for the tenant and whose customer
it is (service/owners.py); the file keeps that customer's id, so a merge, a delete or an erasure
of the customer reaches every file on its record.
"""

from __future__ import annotations

CUSTOMER = "customer"
WORK_ADDRESS = "work_address"
JOB = "job"
ASSET = "asset"
KINDS: tuple[str, ...] = (CUSTOMER, WORK_ADDRESS, JOB, ASSET)

# the kind of owner → the public path of its files
PATHS = {
    CUSTOMER: "/v1/customers/{id}/files",
    WORK_ADDRESS: "/v1/work-addresses/{id}/files",
    JOB: "/v1/jobs/{id}/files",
    ASSET: "/v1/assets/{id}/files",
}

NOT_FOUND = {
    CUSTOMER: "No customer with that id.",
    WORK_ADDRESS: "No work address with that id.",
    JOB: "No job with that id.",
    ASSET: "No asset with that id.",
}


def storage_key(tenant_id: str, file_id: str) -> str:
    """Where a file's bytes are kept: under its tenant, by its own id (never by its name)."""
    return f"{tenant_id}/{file_id}"
