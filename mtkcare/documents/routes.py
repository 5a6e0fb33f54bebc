"""The backend's own document routes (never Reflex's public ``/_upload``):

- ``POST /files/upload``: one file per request, its bytes as the body and what it is (title,
  type, client or referral, access level, …) as URL-encoded JSON in the ``X-Upload`` header.
  Checked in this order, so nothing is read or stored for a request that is refused: the
  session cookie and ``document.upload`` (401/403), the page's Origin (403), a declared length
  within ``MTKCARE_DOCUMENT_MAX_BYTES`` (411/413, before the body is read), the target and
  access level (``check_upload``: 404/403/422); then the body is streamed to a private file
  (413 if it turns out longer than declared), its content decides its type (415 otherwise),
  and ``accept_upload`` records it pending with the job that stores it (202).
- ``GET /files/{id}`` (``?download=1`` to save rather than open): the session, the
  document's access level and its client's and referral's visibility on every request
  (``open_document``, which logs the access); the bytes come from the store, checked against
  the SHA-256 taken at upload, then streamed with ``Content-Disposition`` and ``nosniff``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from mtkcare.auth.addresses import scope_address
from mtkcare.auth.http import http_requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.routes import trusted_origin
from mtkcare.db import session_scope
from mtkcare.documents.service import accept_upload, check_upload, open_document
from mtkcare.documents.storage import CHUNK, StorageError, StoredFileMissing, get_store
from mtkcare.documents.validation import HEAD_BYTES, FileRefused, clean_file_name, kind_of
from mtkcare.errors import DomainError, NotAllowed, NotFound, ValidationFailed
from mtkcare.settings import get_settings

log = logging.getLogger(__name__)

UPLOAD = "/files/upload"
FILE = "/files/{document_id:int}"


def problem(status: int, title: str, **extra: Any) -> Response:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, **extra},
        status_code=status,
        media_type="application/problem+json",
        headers={"Cache-Control": "no-store"},
    )


def _refusal(exc: DomainError) -> Response:
    if isinstance(exc, ValidationFailed):
        return problem(422, next(iter(exc.errors.values()), exc.message), errors=exc.errors)
    if isinstance(exc, NotFound):
        return problem(404, exc.message)
    if isinstance(exc, NotAllowed):
        return problem(403, exc.message)
    return problem(409, exc.message)


def _upload_details(request: Request) -> dict[str, Any] | None:
    raw = request.headers.get("x-upload")
    if not raw:
        return None
    try:
        details = json.loads(unquote(raw))
    except ValueError:
        return None
    return details if isinstance(details, dict) else None


async def _receive(request: Request, target: Path, limit: int) -> tuple[int, str, bytes] | None:
    """Stream the body into ``target``: its size, SHA-256 and first bytes; None when it runs
    over ``limit`` (the rest is not read)."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    with target.open("wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return None
            if len(head) < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - len(head)]
            # Hashing and writing off the event loop (other requests and tabs go on).
            await run_in_threadpool(_keep, out, digest, chunk)
    return size, digest.hexdigest(), head


def _keep(out: Any, digest: Any, chunk: bytes) -> None:
    digest.update(chunk)
    out.write(chunk)


def _checked(actor: Any, details: dict[str, Any]) -> None:
    with session_scope() as db:
        check_upload(db, actor, details)


def _accepted(actor: Any, details: dict[str, Any], **upload: Any) -> dict[str, Any]:
    with session_scope() as db:
        document = accept_upload(db, actor, details, **upload)
        return {"id": document.id, "status": document.status, "title": document.title}


@http_requires(Permission.DOCUMENT_UPLOAD)
async def upload(request: Request) -> Response:
    settings = get_settings()
    if trusted_origin(request) is None:
        return problem(403, "Uploads are accepted from MTK Care's own pages only.")
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        return problem(411, "Say how long the file is (Content-Length).")
    limit = settings.document_max_bytes
    if int(declared) > limit:
        return problem(413, f"The file is larger than {limit // (1024 * 1024)} MB.")
    details = _upload_details(request)
    if details is None:
        return problem(400, "Say what the file is (the X-Upload header).")
    file_name = str(details.pop("file_name", "") or "")
    actor = request.state.principal
    try:
        # The database work of a request runs in a worker thread, never on the event loop.
        await run_in_threadpool(_checked, actor, details)
    except DomainError as exc:
        return _refusal(exc)

    root = Path(settings.uploads_path)
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{uuid.uuid4().hex}-", dir=root))
    source = folder / "upload.bin"
    keep = False
    try:
        try:
            received = await _receive(request, source, limit)
        except ClientDisconnect:
            return problem(400, "The upload was interrupted.")
        if received is None:
            return problem(413, f"The file is larger than {limit // (1024 * 1024)} MB.")
        size, sha256, head = received
        try:
            kind = kind_of(head)
        except FileRefused as exc:
            return problem(415, str(exc))
        try:
            answer = await run_in_threadpool(
                lambda: _accepted(
                    actor,
                    details,
                    source=source,
                    file_name=clean_file_name(file_name, kind),
                    kind=kind,
                    size=size,
                    sha256=sha256,
                    ip=scope_address(request.scope),
                )  # fmt: skip
            )
        except DomainError as exc:
            return _refusal(exc)
        keep = True
        return JSONResponse(answer, status_code=202, headers={"Cache-Control": "no-store"})
    finally:
        if not keep:
            for leftover in folder.glob("*"):
                leftover.unlink(missing_ok=True)
            folder.rmdir()


def _opened(
    actor: Any, document_id: int, download: bool, ip: str
) -> tuple[str, str | None, str, str]:
    with session_scope() as db:
        document = open_document(db, actor, document_id, download=download, ip=ip)
        return (
            document.storage_path,
            document.checksum_sha256,
            document.file_name,
            document.content_type,
        )


def _disposition(kind: str, file_name: str) -> str:
    fallback = "".join(c if c.isascii() and c not in '"\\;' else "_" for c in file_name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name)}"


@http_requires(Permission.DOCUMENT_VIEW)
async def download(request: Request) -> Response:
    document_id = int(request.path_params["document_id"])
    wanted_download = request.query_params.get("download") == "1"
    actor = request.state.principal
    try:
        path, checksum, name, content_type = await run_in_threadpool(
            _opened, actor, document_id, wanted_download, scope_address(request.scope)
        )
    except DomainError as exc:
        return _refusal(exc)
    # Read it whole from the store first (spooled to disk past 1 MB), checking it is what was
    # uploaded: a changed or damaged file is not sent.
    copy = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115  (closed by _stream)
    try:
        got = await run_in_threadpool(_fetch, path, copy)
    except StoredFileMissing:
        copy.close()
        log.error("document %s: its file %s is missing from the store", document_id, path)
        return problem(502, "This document's file is missing from storage. Tell an administrator.")
    except StorageError as exc:
        copy.close()
        log.warning("document %s: store unavailable: %s", document_id, exc)
        return problem(503, "Document storage is not answering. Try again in a minute.")
    if checksum and got != checksum:
        copy.close()
        log.error("document %s: stored file does not match its checksum", document_id)
        return problem(502, "This document's stored file has changed since it was uploaded.")
    size = copy.tell()
    copy.seek(0)
    inline = not wanted_download
    return StreamingResponse(
        _stream(copy),
        media_type=content_type,
        headers={
            "Content-Disposition": _disposition("inline" if inline else "attachment", name),
            "Content-Length": str(size),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def _fetch(path: str, copy: Any) -> str:
    """Copy the stored file into ``copy`` (in a worker thread: a store blocks); its SHA-256."""
    digest = hashlib.sha256()
    for chunk in get_store().read(path):
        digest.update(chunk)
        copy.write(chunk)
    return digest.hexdigest()


async def _stream(copy: Any) -> AsyncIterator[bytes]:
    try:
        async for chunk in iterate_in_threadpool(iter(lambda: copy.read(CHUNK), b"")):
            yield chunk
    finally:
        copy.close()


ROUTES = [
    Route(UPLOAD, upload, methods=["POST"]),
    Route(FILE, download, methods=["GET"]),
]
