"""Where the bytes of files are kept, behind one small interface (`BlobStore`): a folder on local
disk by default (embedded: nothing to run), an S3-compatible bucket in production (boto3), chosen
by `FILES_STORAGE` (settings.py). The metadata is in the service's database; a key here is
`<tenant>/<file id>` (domain/owners.py), never a name a client chose.

Failures of the store (the bucket unreachable, the disk full) are `StorageUnavailable` (503): the
upload writes nothing, the delete is tried again.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from fieldbook_shared.problems import DomainError

CHUNK_BYTES = 64 * 1024
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_.:-]+/[A-Za-z0-9-]+$")


class StorageUnavailable(DomainError):
    status = 503
    title = "Service unavailable"


class BlobMissing(LookupError):
    """No bytes under that key (removed, or never written)."""


class BlobStore(Protocol):
    def put(self, key: str, data: bytes, media_type: str) -> None: ...

    def chunks(self, key: str) -> Iterator[bytes]:
        """The bytes, a chunk at a time; `BlobMissing` (at once) when there are none."""
        ...

    def remove(self, key: str) -> None:
        """Gone afterwards; no error when there was nothing."""
        ...

    def exists(self, key: str) -> bool: ...


def _checked(key: str) -> str:
    if not _SAFE_KEY.match(key) or ".." in key:
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalDisk:
    """A folder (`FILES_DIR`): one file a key, written whole then renamed into place, so a reader
    never sees half a file."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes, media_type: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise StorageUnavailable("The file could not be stored just now; try again.") from exc

    def chunks(self, key: str) -> Iterator[bytes]:
        try:
            handle = open(self._path(key), "rb")  # noqa: SIM115 - closed by the generator
        except FileNotFoundError as exc:
            raise BlobMissing(key) from exc

        def read() -> Iterator[bytes]:
            with handle:
                while chunk := handle.read(CHUNK_BYTES):
                    yield chunk

        return read()

    def remove(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageUnavailable("The file's content could not be removed just now.") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class S3Bucket:
    """An S3-compatible bucket (AWS S3, MinIO, Ceph …): `FILES_S3_BUCKET`, an endpoint URL for a
    store other than AWS, and the credentials boto3 finds itself (AWS_ACCESS_KEY_ID … or a role)."""

    def __init__(self, bucket: str, client: Any, prefix: str = ""):
        self.bucket = bucket
        self.client = client
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    @classmethod
    def connect(
        cls, bucket: str, endpoint_url: str | None = None, region: str | None = None, prefix: str = ""
    ) -> S3Bucket:
        import boto3
        from botocore.config import Config

        config = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"})
        client = boto3.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None, config=config
        )
        return cls(bucket, client, prefix)

    def _key(self, key: str) -> str:
        return self.prefix + _checked(key)

    def _unavailable(self, exc: Exception, what: str) -> StorageUnavailable:
        return StorageUnavailable(
            f"The file store could not {what} just now; try again. ({type(exc).__name__})"
        )

    def put(self, key: str, data: bytes, media_type: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=media_type)
        except (BotoCoreError, ClientError) as exc:
            raise self._unavailable(exc, "store the file") from exc

    def chunks(self, key: str) -> Iterator[bytes]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise BlobMissing(key) from exc
            raise self._unavailable(exc, "read the file") from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc, "read the file") from exc
        return answer["Body"].iter_chunks(CHUNK_BYTES)

    def remove(self, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as exc:
            raise self._unavailable(exc, "remove the file") from exc

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise
        return True
