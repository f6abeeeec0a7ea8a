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

from fieldbook_shared.settings import Settings, env_setting, environment_values, service_url, var_dir

from .store.blobs import BlobStore, LocalDisk, S3Bucket

SERVICE = "files"
MIB = 1024 * 1024
MULTIPART_ALLOWANCE = 1 * MIB  # the multipart wrapping around the file's bytes
STORAGES = ("local", "s3")


@dataclass(frozen=True)
class FilesSettings(Settings):
    max_file_bytes: int = env_setting("FILES_MAX_BYTES", 20 * MIB)
    storage: str = env_setting("FILES_STORAGE", "local")
    files_dir: str = env_setting("FILES_DIR", "")
    s3_bucket: str = env_setting("FILES_S3_BUCKET", "")
    s3_endpoint_url: str = env_setting("FILES_S3_ENDPOINT_URL", "")
    s3_region: str = env_setting("FILES_S3_REGION", "")
    s3_prefix: str = env_setting("FILES_S3_PREFIX", "")
    customers_url: str = service_url("customers")
    billing_url: str = service_url("billing")
    assets_url: str = service_url("assets")
    internal_timeout_seconds: float = env_setting("OWNERS_TIMEOUT", 3.0)

    @classmethod
    def service_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        """What follows from the fields read by the kit: the storage checked, the local folder's
        default, and a body limit that lets the largest file through."""
        values = environment_values(cls, env)
        storage = values.get("storage", cls.storage).strip().lower()
        if storage not in STORAGES:
            raise ValueError(f"FILES_STORAGE must be one of {STORAGES}, not {storage!r}")
        max_file = values.get("max_file_bytes", cls.max_file_bytes)
        return {
            "storage": storage,
            "files_dir": values.get("files_dir") or str(var_dir() / "files"),
            "max_body_bytes": max(
                int(env.get("MAX_BODY_BYTES") or Settings.max_body_bytes), max_file + MULTIPART_ALLOWANCE
            ),
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
