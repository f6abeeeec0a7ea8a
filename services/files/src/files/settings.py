"""Every setting of the files service, from the environment: the kit's `Settings` and files' own.

- `FILES_MAX_BYTES` (default 20 MiB): the largest file; a larger one is a 413. The service's body
  limit (`MAX_BODY_BYTES`) is raised to hold it and its multipart wrapping.
- `FILES_STORAGE`: `local` (default: a folder, `FILES_DIR`, default `var/files`) or `s3` (a bucket:
  `FILES_S3_BUCKET`, `FILES_S3_ENDPOINT_URL` for a store other than AWS, `FILES_S3_REGION`,
  `FILES_S3_PREFIX`; credentials as boto3 finds them, e.g. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
- `CUSTOMERS_URL`, `BILLING_URL`, `ASSETS_URL`: where a file's owner is checked (internal URLs,
  from the service table), `OWNERS_TIMEOUT` (seconds, default 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldbook_shared import service_table
from fieldbook_shared.settings import Settings, var_dir

from .store.blobs import BlobStore, LocalDisk, S3Bucket

SERVICE = "files"
MIB = 1024 * 1024
MULTIPART_ALLOWANCE = 1 * MIB  # the multipart wrapping around the file's bytes
STORAGES = ("local", "s3")


@dataclass(frozen=True)
class FilesSettings(Settings):
    max_file_bytes: int = 20 * MIB
    storage: str = "local"
    files_dir: str = ""
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    s3_prefix: str = ""
    customers_url: str = "http://127.0.0.1:8001"
    billing_url: str = "http://127.0.0.1:8002"
    assets_url: str = "http://127.0.0.1:8003"
    internal_timeout_seconds: float = 3.0

    @classmethod
    def service_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        max_file = int(env.get("FILES_MAX_BYTES", cls.max_file_bytes))
        storage = env.get("FILES_STORAGE", cls.storage).strip().lower()
        if storage not in STORAGES:
            raise ValueError(f"FILES_STORAGE must be one of {STORAGES}, not {storage!r}")
        return {
            "max_file_bytes": max_file,
            "max_body_bytes": max(
                int(env.get("MAX_BODY_BYTES", Settings.max_body_bytes)), max_file + MULTIPART_ALLOWANCE
            ),
            "storage": storage,
            "files_dir": env.get("FILES_DIR") or str(var_dir() / "files"),
            "s3_bucket": env.get("FILES_S3_BUCKET", ""),
            "s3_endpoint_url": env.get("FILES_S3_ENDPOINT_URL", ""),
            "s3_region": env.get("FILES_S3_REGION", ""),
            "s3_prefix": env.get("FILES_S3_PREFIX", ""),
            "customers_url": service_table.internal_url("customers", env).rstrip("/"),
            "billing_url": service_table.internal_url("billing", env).rstrip("/"),
            "assets_url": service_table.internal_url("assets", env).rstrip("/"),
            "internal_timeout_seconds": float(env.get("OWNERS_TIMEOUT", cls.internal_timeout_seconds)),
        }


def load_settings(**overrides: Any) -> FilesSettings:
    return FilesSettings.from_env(SERVICE, **overrides)


def open_store(settings: FilesSettings) -> BlobStore:
    """The store the settings choose: a local folder, or the S3 bucket."""
    if settings.storage == "s3":
        if not settings.s3_bucket:
            raise ValueError("FILES_STORAGE=s3 needs FILES_S3_BUCKET")
        return S3Bucket.connect(
            settings.s3_bucket, settings.s3_endpoint_url, settings.s3_region, settings.s3_prefix
        )
    return LocalDisk(settings.files_dir or var_dir() / "files")
