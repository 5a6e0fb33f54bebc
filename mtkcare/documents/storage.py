"""Where a document's bytes live, behind one small interface with two backends, chosen by
``MTKCARE_DOCUMENT_STORAGE``:

- ``local`` (the embedded default): a private folder (``MTKCARE_DOCUMENTS_PATH``) that nothing
  serves; bytes reach a browser only through our download route.
- ``sharepoint``: a SharePoint document library (``mtkcare/documents/sharepoint.py``).

A store never decides who may see what (the service does); it only keeps bytes under a path
built by ``document_path`` (the naming convention) and gives them back. ``put`` overwrites (so
a retried upload is idempotent) and leaves nothing behind when it fails; a failure that may
pass (throttling, a timeout, a 5xx) is a ``StorageBusy``, with the wait the far side asked for
when it said.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from mtkcare.settings import Settings, get_settings

CHUNK = 256 * 1024


class StorageError(Exception):
    """The store could not do it, and trying again will not help."""


class StorageBusy(StorageError):
    """The store could not do it now (throttled, timed out, unavailable); try again later,
    after ``retry_after`` seconds when the far side said how long."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StoredFileMissing(StorageError):
    """There is nothing at that path."""


@dataclass(frozen=True)
class Stored:
    """What a store says about a file it holds."""

    path: str  # the store's own address of the file (local: relative to the folder)
    size: int
    sha256: str | None = None  # when the store computed it while writing
    unique_id: str | None = None  # SharePoint's UniqueId
    item_id: str | None = None  # SharePoint's list item id
    version_label: str | None = None  # SharePoint's version ("1.0", "2.0", …)
    modified_at: datetime | None = None


class DocumentStore(Protocol):
    name: str  # "LOCAL" | "SHAREPOINT" (StorageBackend's values)

    def put(self, source: Path, path: str) -> Stored:
        """Store the file ``source`` at ``path`` (replacing what is there)."""
        ...

    def read(self, path: str) -> Iterator[bytes]:
        """The file's bytes, in chunks (``StoredFileMissing`` when it is not there)."""
        ...

    def describe(self, path: str) -> Stored | None:
        """What is at ``path`` now, or None (the metadata sync compares it with the record)."""
        ...

    def remove(self, path: str) -> None:
        """Remove the file at ``path``; nothing there is not an error."""
        ...


# --- the naming convention ----------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
_SPACES = re.compile(r"[\s_]+")


def safe_name(value: str, *, limit: int = 80) -> str:
    """A file or folder name that is safe on every store: letters and digits kept (accents
    folded: "Ngāta" → "Ngata"), anything else a dash, no leading dots, never empty."""
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("-", folded)
    cleaned = _SPACES.sub("_", cleaned).strip("._- ")
    return cleaned[:limit].rstrip("._- ") or "document"


def document_path(
    *,
    client_number: str | None,
    referral_tracking_id: str | None,
    document_type: str,
    day: date,
    title: str,
    version: int,
    extension: str,
) -> str:
    """Where a document lives in its store (the design document's "Generate SharePoint Path"):

        Clients/<client number>/<referral tracking id or General>/<document type>/
            <yyyy-mm-dd>_<title>_v<n>.<ext>

    A document of a referral without a client goes under ``Referrals/<tracking id>/``."""
    ext = safe_name(extension.lstrip("."), limit=10).lower() or "bin"
    name = f"{day.isoformat()}_{safe_name(title, limit=80)}_v{version}.{ext}"
    kind = safe_name(document_type, limit=40)
    if client_number:
        where = f"Clients/{safe_name(client_number, limit=40)}"
        folder = safe_name(referral_tracking_id, limit=40) if referral_tracking_id else "General"
        return f"{where}/{folder}/{kind}/{name}"
    return f"Referrals/{safe_name(referral_tracking_id or 'unlinked', limit=40)}/{kind}/{name}"


def sha256_of(source: Path) -> str:
    digest = hashlib.sha256()
    with source.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- local folder -------------------------------------------------------------------------


class LocalStore:
    """Files under one private folder. Writes go to a temporary file in the same folder and
    are renamed into place, so a crash never leaves half a file under a document's path."""

    name = "LOCAL"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _where(self, path: str) -> Path:
        target = (self.root / path).resolve()
        if not target.is_relative_to(self.root) or target == self.root:
            raise StorageError(f"{path!r} is outside the documents folder")
        return target

    def put(self, source: Path, path: str) -> Stored:
        target = self._where(path)
        digest = hashlib.sha256()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        except OSError as exc:
            raise StorageBusy(f"could not write {path}: {_why(exc)}") from exc
        try:
            with os.fdopen(handle, "wb") as out, source.open("rb") as stream:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, target)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise StorageBusy(f"could not write {path}: {_why(exc)}") from exc
        return Stored(path=path, size=target.stat().st_size, sha256=digest.hexdigest())

    def read(self, path: str) -> Iterator[bytes]:
        target = self._where(path)
        try:
            stream = target.open("rb")
        except FileNotFoundError as exc:
            raise StoredFileMissing(path) from exc
        return _chunks(stream)

    def describe(self, path: str) -> Stored | None:
        target = self._where(path)
        if not target.is_file():
            return None
        stat = target.stat()
        return Stored(
            path=path,
            size=stat.st_size,
            modified_at=datetime.fromtimestamp(stat.st_mtime).astimezone(),
        )

    def remove(self, path: str) -> None:
        try:
            self._where(path).unlink(missing_ok=True)
        except NotADirectoryError:
            return  # nothing can be there
        except OSError as exc:
            raise StorageError(f"could not remove {path}: {_why(exc)}") from exc


def _why(exc: OSError) -> str:
    """An OS error in words, without the server's own folder names."""
    return (exc.strerror or type(exc).__name__).lower()


def _chunks(stream: object) -> Iterator[bytes]:
    with stream:  # type: ignore[attr-defined]
        while chunk := stream.read(CHUNK):  # type: ignore[attr-defined]
            yield chunk


def get_store(settings: Settings | None = None) -> DocumentStore:
    """The store the settings name."""
    settings = settings or get_settings()
    if settings.document_storage == "sharepoint":
        from mtkcare.documents.sharepoint import SharePointStore

        return SharePointStore.from_settings(settings)
    return LocalStore(settings.documents_path)


def copy_to(chunks: Iterator[bytes], target: Path) -> int:
    """Write ``chunks`` to ``target``; the number of bytes written."""
    written = 0
    with target.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
            written += len(chunk)
    return written


def remove_tree_if_empty(folder: Path) -> None:
    """Tidy an upload's private folder once its file has moved on."""
    shutil.rmtree(folder, ignore_errors=True)
