"""The media store: where the bytes of attachments live. One small interface, two implementations,
chosen by the settings (``MEDIA_BUCKET`` set: S3; else a local folder). Nothing else knows which.

- ``put(key, data, content_type)`` / ``get(key)``: store and read the bytes (``StoreUnavailable``
  when the store cannot be reached; ``MediaMissing`` when nothing is stored under the key).
- ``signed_get_url(key, mime_type, file_name)``: a link that works without a session header for
  ``MEDIA_URL_TTL_S`` (at least 5 minutes) and serves the original bytes as
  ``shared.media.safety.served_as`` says: raster images inline, anything else as an attachment
  named ``file_name`` (S3: the presigned response overrides; locally: signed into the link).
- ``signed_put(key, content_type, size)``: a URL and the headers a client PUTs the bytes with.
- ``copy(source, target, content_type)`` (in the store: S3 copies without the bytes passing
  through the function), ``head(key, size)`` (the first ``size`` bytes) and ``delete(key)``: an
  operator's upload fixed at its final key and checked there.

S3: a private bucket, presigned URLs; boto3 is imported only here, only when S3 is used.
Local (``make run``, tests): files under ``MEDIA_LOCAL_DIR`` served by the local gateway
(``devtools/media_server.py``) behind HMAC-signed, expiring URLs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from shared.core.settings import Settings, get_settings
from shared.media import safety

KEY_PATTERN = re.compile(r"^[A-Za-z0-9-]+(/[A-Za-z0-9._-]+)+$")
LOCAL_PREFIX = "/media/"


class StoreUnavailable(Exception):
    """The store could not be reached or refused the operation: retry later."""


class MediaMissing(Exception):
    """Nothing is stored under the key (an upload that was never PUT)."""


class MediaStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def copy(self, source: str, target: str, content_type: str) -> None: ...

    def head(self, key: str, size: int) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def signed_get_url(self, key: str, mime_type: str | None = None, file_name: str | None = None) -> str: ...

    def signed_put(self, key: str, content_type: str, size: int) -> tuple[str, dict[str, str]]: ...


def check_key(key: str) -> str:
    if not KEY_PATTERN.match(key) or ".." in key:
        raise ValueError("not a media key")
    return key


# --- local folder ------------------------------------------------------------------------------


def _signing_key(settings: Settings) -> bytes:
    """``MEDIA_SIGNING_KEY``, else a random key kept beside the files (``.signing-key``, made once):
    every process of the local stack (the gateway and its worker processes) and every restart signs
    and checks with the same key, and it never leaves the machine."""
    if settings.media_signing_key:
        return settings.media_signing_key.encode()
    return _local_key(Path(settings.media_local_dir).resolve())


_local_keys: dict[Path, bytes] = {}


def _local_key(folder: Path) -> bytes:
    if folder not in _local_keys:
        path = folder / ".signing-key"
        folder.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("xb") as made:  # exclusive create: of two processes, one writes it
                made.write(secrets.token_hex(32).encode())
        except FileExistsError:
            pass
        key = b""
        for _ in range(50):  # the other process may be between creating the file and writing it
            key = path.read_bytes()
            if key:
                break
            time.sleep(0.01)
        _local_keys[folder] = key
    return _local_keys[folder]


def sign(
    method: str, key: str, expires: int, content_type: str, size: int, settings: Settings, file_name: str = ""
) -> str:
    message = f"{method}\n{key}\n{expires}\n{content_type}\n{size}\n{file_name}".encode()
    return hmac.new(_signing_key(settings), message, hashlib.sha256).hexdigest()


class LocalStore:
    """A git-ignored folder: ``<dir>/<key>`` holds the bytes, ``<dir>/<key>.meta`` the content type."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = Path(settings.media_local_dir).resolve()

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self._write(key, data, content_type)
        except OSError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    def _write(self, key: str, data: bytes, content_type: str) -> None:
        """Written beside, then renamed into place: a reader never sees half a file."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + f".{secrets.token_hex(4)}.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        target.with_name(target.name + ".meta").write_text(json.dumps({"content_type": content_type}))

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise MediaMissing(key) from None
        except OSError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    def copy(self, source: str, target: str, content_type: str) -> None:
        try:
            self._write(target, self.path(source).read_bytes(), content_type)
        except FileNotFoundError:
            raise MediaMissing(source) from None
        except OSError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    def head(self, key: str, size: int) -> bytes:
        try:
            with self.path(key).open("rb") as stored:
                return stored.read(size)
        except FileNotFoundError:
            raise MediaMissing(key) from None
        except OSError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    def delete(self, key: str) -> None:
        try:
            self.path(key).unlink(missing_ok=True)
            self.path(key).with_name(self.path(key).name + ".meta").unlink(missing_ok=True)
        except OSError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    def content_type(self, key: str) -> str:
        try:
            meta = json.loads(self.path(key).with_name(self.path(key).name + ".meta").read_text())
            return str(meta.get("content_type") or "application/octet-stream")
        except (OSError, ValueError):
            return "application/octet-stream"

    def _url(self, method: str, key: str, content_type: str, size: int, file_name: str = "") -> str:
        expires = int(time.time()) + self.settings.media_url_ttl_s
        query = {"method": method, "expires": str(expires), "ct": content_type, "size": str(size)}
        if file_name:
            query["fn"] = file_name
        query["sig"] = sign(method, key, expires, content_type, size, self.settings, file_name)
        base = self.settings.media_local_base_url.rstrip("/")
        return f"{base}{LOCAL_PREFIX}{quote(key)}?{urlencode(query)}"

    def signed_get_url(self, key: str, mime_type: str | None = None, file_name: str | None = None) -> str:
        """The type and name go into the signed link: the media server serves by them (never by a
        header value a sender wrote)."""
        return self._url("GET", check_key(key), safety.clean_mime_type(mime_type), 0, file_name or "")

    def signed_put(self, key: str, content_type: str, size: int) -> tuple[str, dict[str, str]]:
        return self._url("PUT", check_key(key), content_type, size), {"Content-Type": content_type}


# --- S3 ----------------------------------------------------------------------------------------


class S3Store:
    """A private bucket; presigned GET/PUT URLs. boto3 loads on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bucket = settings.media_bucket
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=3,
                read_timeout=20,
                retries={"max_attempts": 2, "mode": "standard"},
                signature_version="s3v4",
            )
            self._client = boto3.session.Session().client("s3", region_name=self.settings.aws_region, config=config)
        return self._client

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._call(
            key,
            lambda client: client.put_object(
                Bucket=self.bucket, Key=check_key(key), Body=data, ContentType=content_type
            ),
        )

    def get(self, key: str) -> bytes:
        answer = self._call(key, lambda client: client.get_object(Bucket=self.bucket, Key=check_key(key)))
        return bytes(answer["Body"].read())

    def copy(self, source: str, target: str, content_type: str) -> None:
        self._call(
            source,
            lambda client: client.copy_object(
                Bucket=self.bucket,
                Key=check_key(target),
                CopySource={"Bucket": self.bucket, "Key": check_key(source)},
                ContentType=content_type,
                MetadataDirective="REPLACE",
            ),
        )

    def head(self, key: str, size: int) -> bytes:
        answer = self._call(
            key, lambda client: client.get_object(Bucket=self.bucket, Key=check_key(key), Range=f"bytes=0-{size - 1}")
        )
        return bytes(answer["Body"].read())

    def delete(self, key: str) -> None:
        self._call(key, lambda client: client.delete_object(Bucket=self.bucket, Key=check_key(key)))

    def _call(self, key: str, call: Callable[[Any], Any]) -> Any:
        """One call of the client: MediaMissing when nothing is stored under ``key``,
        StoreUnavailable for any other failure."""
        from botocore.exceptions import ClientError

        try:
            return call(self.client())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise MediaMissing(key) from None
            raise StoreUnavailable(type(exc).__name__) from exc
        except Exception as exc:  # botocore's errors: endpoint, credentials, throttling, refusal
            raise StoreUnavailable(type(exc).__name__) from exc

    def signed_get_url(self, key: str, mime_type: str | None = None, file_name: str | None = None) -> str:
        """S3 answers with the signed response overrides, whatever the object was stored as."""
        content_type, disposition = safety.served_as(mime_type)
        url: str = self.client().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": check_key(key),
                "ResponseContentType": content_type,
                "ResponseContentDisposition": safety.content_disposition(disposition, file_name),
            },
            ExpiresIn=self.settings.media_url_ttl_s,
        )
        return url

    def signed_put(self, key: str, content_type: str, size: int) -> tuple[str, dict[str, str]]:
        url: str = self.client().generate_presigned_url(
            "put_object",  # the length is signed too: S3 refuses a body of any other size
            Params={"Bucket": self.bucket, "Key": check_key(key), "ContentType": content_type, "ContentLength": size},
            ExpiresIn=self.settings.media_url_ttl_s,
        )
        return url, {"Content-Type": content_type}


_lock = threading.Lock()
_store: tuple[Settings, MediaStore] | None = None


def store() -> MediaStore:
    """The container's store, as the settings choose it."""
    global _store
    settings = get_settings()
    with _lock:
        if _store is None or _store[0] is not settings:
            chosen: MediaStore = S3Store(settings) if settings.media_bucket else LocalStore(settings)
            _store = (settings, chosen)
        return _store[1]


def signed_url(status: str, storage_key: str, mime_type: str | None, file_name: str | None) -> str | None:
    """A ready attachment's link (no session header needed); None until it is ready."""
    if status != "ready":
        return None
    return store().signed_get_url(storage_key, mime_type, file_name)
