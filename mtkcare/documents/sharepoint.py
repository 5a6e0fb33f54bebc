"""Documents in a SharePoint Online document library, through SharePoint's REST API
(Office365-REST-Python-Client), signed in as the app itself.

Who we are to SharePoint: an app-only token from msal's client-credentials flow with the Azure
app registration's **certificate**. SharePoint REST refuses app-only tokens issued for a client
secret (and the older ACS client ids are retired), so without a certificate ``from_settings``
refuses to build a store rather than fail on every upload. There is one store, and so one msal
app with one token cache, per configuration: the token is fetched once and reused until it
expires, however many documents go up.

How the interface maps to HTTP (``…`` = ``<site>/_api/Web``; ``<url>`` = the library's folder
plus ``path``, server-relative):

- ``put``: ``POST …/getFolderByServerRelativePath(<library>)/Folders/Add('<name>')`` once per
  folder of the path (adding an existing folder returns it), then
  - up to ``chunk_bytes``: one ``POST …/Folders(…)/Files/add(url='<name>',overwrite=true)``
    with the bytes;
  - bigger: ``GET …/getFileByServerRelativePath(<url>)`` (is it there?), a new file gets an
    empty placeholder (``Files/add``), then ``startUpload`` / ``continueUpload`` / ``finishUpload``
    with ``chunk_bytes`` each, read from the source one chunk at a time. An existing file is
    not emptied first: its content changes only when ``finishUpload`` commits, so a failed
    overwrite leaves the previous version as it was, and a good one adds one version;
  - then ``GET …/getFileByServerRelativePath(<url>)?$select=…&$expand=ListItemAllFields`` for
    the ids and version the record keeps.
- ``read``: ``GET …/getFileByServerRelativePath(<url>)/$value``, sent before ``read`` returns
  (so a missing file or a refusal raises at once), its body streamed in chunks as it arrives:
  never the whole file in memory, and no copy on disk (the download route spools the chunks
  itself to check them); a transfer that breaks midway raises ``StorageBusy`` from the
  iterator.
- ``describe``: the metadata ``GET`` above (404 → None).
- ``remove``: ``POST …/getFileByServerRelativePath(<url>)`` with ``X-HTTP-Method: DELETE``
  (404 is fine). Deleted, not recycled, as the local store does.

Every request carries the bearer token and the form digest (``X-RequestDigest``), which this
module fetches itself (``POST <site>/_api/contextinfo``, one request) and reuses until shortly
before it expires. The library would fetch it per context and retry that fetch up to five times
with back-off measured in tens of seconds, holding a job worker while SharePoint is down.

Failures. ``StorageBusy`` for 408/429/500/502/503/504, connection errors and timeouts, with
``retry_after`` from SharePoint's ``Retry-After`` when it sent one; ``StorageError`` for
anything else (401/403/404/…), naming the HTTP status and SharePoint's message. The texts reach
staff (a failed upload's notice), so they name the document's path in the library but not the
server's addresses or folders; the full error is logged. ``put`` does
not retry: the durable job that calls it retries the whole ``put`` with back-off, and ``put``
is idempotent because it overwrites. The one exception is a chunk of an upload session that
SharePoint refused with 429/503 and a ``Retry-After`` of at most ``CHUNK_RETRY_MAX_WAIT``
seconds: it is sent again in place, at most ``CHUNK_RETRIES`` times. The refusal means the
chunk was not applied, so resending it is safe, and restarting a 20 MB upload would load a
throttled site far more than waiting a few seconds. A failed chunked upload leaves nothing:
a placeholder it created is deleted, a session on an existing file is cancelled (best effort;
the next ``put`` overwrites whatever is left). A request that timed out may still complete on
the server; the caller's retry overwrites it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import msal
import requests
from office365.runtime.client_request_exception import ClientRequestException
from office365.runtime.http.http_method import HttpMethod
from office365.runtime.http.request_options import RequestOptions
from office365.runtime.retry import TRANSIENT_STATUS_CODES, response_retry_after
from office365.runtime.transport.requests_transport import RequestsTransport
from office365.sharepoint.client_context import ClientContext
from office365.sharepoint.files.file import File
from office365.sharepoint.folders.folder import Folder

from mtkcare.auth.graph import authority_url, certificate_credential
from mtkcare.documents.storage import CHUNK, StorageBusy, StorageError, Stored, StoredFileMissing
from mtkcare.settings import Settings

log = logging.getLogger(__name__)

# (connect, read) seconds per request. A read timeout is the wait for the next bytes of an
# answer, not for a whole transfer, so a chunk of a few MiB fits comfortably.
TIMEOUT: tuple[float, float] = (10.0, 60.0)
TOKEN_TIMEOUT_SECONDS = 10.0
CHUNK_RETRIES = 2
CHUNK_RETRY_MAX_WAIT = 10.0
# Fetch a new form digest this long before SharePoint says the old one expires (it lasts
# 30 minutes), so one never runs out in the middle of an upload.
DIGEST_MARGIN_SECONDS = 300.0
# SharePoint answers 503 with Retry-After when it is throttling too; 429 is the usual one.
_RESENDABLE = frozenset({429, 503})
_FILE_FIELDS = ["UniqueId", "Length", "UIVersionLabel", "TimeLastModified", "ListItemAllFields/Id"]

TokenCallback = Callable[[], dict[str, Any]]


class SharePointStore:
    """A ``DocumentStore`` over one SharePoint document library. Safe to share between
    threads: each operation has its own ``ClientContext``; they share the token, the form
    digest and the HTTP connection pool."""

    name = "SHAREPOINT"

    def __init__(
        self,
        site_url: str,
        token: TokenCallback,
        *,
        library: str = "Shared Documents",
        chunk_bytes: int = 4 * 1024 * 1024,
        timeout: tuple[float, float] = TIMEOUT,
    ) -> None:
        """``site_url`` like ``https://contoso.sharepoint.com/sites/care``; ``library`` the
        library's folder, relative to the site (``Shared Documents``) or server-relative;
        ``token`` returns an msal-style token response (``access_token``, ``token_type``,
        ``expires_in``) for ``https://<site host>/.default``."""
        if chunk_bytes < 1:
            raise ValueError("chunk_bytes must be positive")
        self.site_url = site_url.rstrip("/")
        site_path = urlsplit(self.site_url).path.rstrip("/")
        library = library.strip("/") if not library.startswith("/") else library.rstrip("/")
        self.library_url = library if library.startswith("/") else f"{site_path}/{library}"
        self.chunk_bytes = chunk_bytes
        self._token = token
        self._transport = RequestsTransport(timeout=timeout)
        self._digest: tuple[str, float] | None = None  # (value, time.monotonic() to renew at)
        self._digest_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> SharePointStore:
        """The store for this configuration (one per configuration, so its msal token cache
        and form digest are shared by every caller)."""
        key = (
            settings.sharepoint_site_url,
            settings.sharepoint_library,
            settings.sharepoint_chunk_bytes,
            authority_url(settings),
            settings.azure_client_id,
            settings.azure_client_cert_path,
            settings.azure_client_cert_thumbprint,
        )
        with _stores_lock:
            store = _stores.get(key)
            if store is None:
                site_url = settings.sharepoint_site_url
                if not site_url:
                    raise StorageError("SharePoint storage needs SHAREPOINT_SITE_URL")
                store = cls(
                    site_url,
                    CertificateToken(settings, resource=_resource(site_url)),
                    library=settings.sharepoint_library,
                    chunk_bytes=settings.sharepoint_chunk_bytes,
                )
                _stores[key] = store
            return store

    # -- DocumentStore --------------------------------------------------------------------

    def put(self, source: Path, path: str) -> Stored:
        url = self._server_url(path)
        folder_path, _, name = path.strip("/").rpartition("/")
        digest = hashlib.sha256()
        try:
            stream = source.open("rb")
        except OSError as exc:
            raise StorageError(f"cannot read the file to store: {_why(exc)}") from exc
        with stream:
            size = os.fstat(stream.fileno()).st_size
            try:
                ctx = self._context()
                folder = ctx.web.get_folder_by_server_relative_path(self.library_url)
                if folder_path:
                    folder = folder.ensure_folder(folder_path)
                if size <= self.chunk_bytes:
                    content = stream.read()
                    digest.update(content)
                    folder.files.add(name, content, True)
                    ctx.execute_query()
                else:
                    self._upload_in_chunks(ctx, folder, url, name, stream, size, digest.update)
                stored = self._describe(ctx, url, path)
            except requests.RequestException as exc:
                raise self._failure(exc, f"storing {path}") from exc
        if stored is None:
            raise StorageError(f"SharePoint lost {path} right after storing it")
        return Stored(
            path=path,
            size=stored.size,
            sha256=digest.hexdigest(),
            unique_id=stored.unique_id,
            item_id=stored.item_id,
            version_label=stored.version_label,
            modified_at=stored.modified_at,
        )

    def read(self, path: str) -> Iterator[bytes]:
        ctx = self._context()
        file = ctx.web.get_file_by_server_relative_path(self._server_url(path))
        request = RequestOptions(f"{file.resource_url}/$value", stream=True)
        try:
            response = ctx.pending_request().execute_request_direct(request)
        except requests.RequestException as exc:
            if _status(exc) == 404:
                raise StoredFileMissing(path) from exc
            raise self._failure(exc, f"reading {path}") from exc
        return self._body(response, path)

    def _body(self, response: requests.Response, path: str) -> Iterator[bytes]:
        with response:
            try:
                yield from response.iter_content(CHUNK)
            except requests.RequestException as exc:
                raise self._failure(exc, f"reading {path}") from exc

    def describe(self, path: str) -> Stored | None:
        try:
            return self._describe(self._context(), self._server_url(path), path)
        except requests.RequestException as exc:
            raise self._failure(exc, f"describing {path}") from exc

    def remove(self, path: str) -> None:
        try:
            ctx = self._context()
            ctx.web.get_file_by_server_relative_path(self._server_url(path)).delete_object()
            ctx.execute_query()
        except requests.RequestException as exc:
            if _status(exc) != 404:
                raise self._failure(exc, f"removing {path}") from exc

    # -- the pieces -----------------------------------------------------------------------

    def _server_url(self, path: str) -> str:
        parts = path.strip("/").split("/")
        if not path.strip("/") or any(p in ("", ".", "..") for p in parts):
            raise StorageError(f"{path!r} is not a path inside the document library")
        return f"{self.library_url}/{'/'.join(parts)}"

    def _context(self) -> ClientContext:
        """A fresh context (the library's contexts queue queries and are not for sharing
        between threads) on the shared transport, with our token and form digest."""
        ctx = ClientContext(self.site_url).with_access_token(self._token)
        request = ctx.pending_request()
        request.transport = self._transport
        info = request.context_info
        info.FormDigestValue, info.FormDigestTimeoutSeconds = self._form_digest()
        return ctx

    def _form_digest(self) -> tuple[str, int]:
        """The form digest and the seconds it has left (ours, or a new one when ours is within
        ``DIGEST_MARGIN_SECONDS`` of expiring)."""
        with self._digest_lock:
            if self._digest is not None and time.monotonic() < self._digest[1]:
                value, renew_at = self._digest
                return value, int(renew_at - time.monotonic() + DIGEST_MARGIN_SECONDS)
            token = self._token()
            request = RequestOptions(f"{self.site_url}/_api/contextinfo", HttpMethod.Post)
            request.set_header("Authorization", f"Bearer {token['access_token']}")
            request.set_header("Accept", "application/json;odata=verbose")
            try:
                response = self._transport.execute(request)
                if not response.ok:
                    raise ClientRequestException.from_response(response)
                info = response.json()["d"]["GetContextWebInformation"]
            except requests.RequestException as exc:
                raise self._failure(exc, "asking for a form digest") from exc
            except (ValueError, KeyError, TypeError) as exc:
                raise StorageError(f"SharePoint's contextinfo made no sense: {exc}") from exc
            lasts = int(info.get("FormDigestTimeoutSeconds") or 1800)
            value = str(info["FormDigestValue"])
            self._digest = (value, time.monotonic() + max(lasts - DIGEST_MARGIN_SECONDS, 0.0))
            return value, lasts

    def _failure(self, exc: requests.RequestException, doing: str) -> StorageError:
        """What a failed request means to the caller: try later (``StorageBusy``) or not."""
        log.warning("SharePoint request failed while %s: %r", doing, exc)
        response = exc.response
        if response is not None:
            said = exc.message if isinstance(exc, ClientRequestException) else ""
            said = said or (response.text or "").strip()[:300] or str(response.reason)
            said = said.replace(f"{self.library_url}/", "").replace(self.site_url, "")
            message = f"SharePoint answered HTTP {response.status_code} while {doing}: {said}"
            if response.status_code in TRANSIENT_STATUS_CODES:
                wait = response_retry_after(response)
                return StorageBusy(message, retry_after=float(wait) if wait is not None else None)
            return StorageError(message)
        kind = type(exc).__name__
        if isinstance(exc, requests.exceptions.SSLError):
            return StorageError(f"SharePoint's TLS certificate was refused while {doing}")
        if isinstance(
            exc,
            requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError,
        ):
            return StorageBusy(f"SharePoint did not answer while {doing} ({kind})")
        return StorageError(f"the request to SharePoint failed while {doing} ({kind})")

    def _upload_in_chunks(
        self,
        ctx: ClientContext,
        folder: Folder,
        url: str,
        name: str,
        stream: IO[bytes],
        size: int,
        hash_chunk: Callable[[bytes], object],
    ) -> None:
        """An upload session into the file at ``url``, reading ``stream`` one chunk at a time;
        on failure, nothing is left of it."""
        existing = ctx.web.get_file_by_server_relative_path(url).select(["UniqueId"]).get()
        try:
            ctx.execute_query()
            created = False
            file: File = existing
        except requests.RequestException as exc:
            if _status(exc) != 404:
                raise
            file = folder.files.add(name, None, True)
            ctx.execute_query()
            created = True
        upload_id = str(uuid.uuid4())
        try:
            offset = 0
            while offset < size:
                chunk = stream.read(min(self.chunk_bytes, size - offset))
                if not chunk:
                    raise StorageError(f"{name} got shorter while it was being uploaded")
                hash_chunk(chunk)
                self._send_chunk(
                    ctx, file, upload_id, offset, chunk, last=offset + len(chunk) == size
                )
                offset += len(chunk)
        except BaseException:
            self._abandon(str(file.unique_id), upload_id, created)
            raise

    def _send_chunk(
        self, ctx: ClientContext, file: File, upload_id: str, offset: int, chunk: bytes, last: bool
    ) -> None:
        for attempt in range(CHUNK_RETRIES + 1):
            if offset == 0:
                file.start_upload(upload_id, chunk)
            elif last:
                file.finish_upload(upload_id, offset, chunk)
            else:
                file.continue_upload(upload_id, offset, chunk)
            try:
                ctx.execute_query()
                return
            except ClientRequestException as exc:
                wait = _resend_after(exc)
                if attempt == CHUNK_RETRIES or wait is None:
                    raise
                log.info("SharePoint refused a chunk (%s); sending it again in %s s", exc, wait)
                time.sleep(wait)

    def _abandon(self, unique_id: str, upload_id: str, created: bool) -> None:
        """Best effort, on a fresh context: delete the placeholder we created, or cancel the
        session on a file that was there before (its content is still the previous one)."""
        try:
            ctx = self._context()
            file = ctx.web.get_file_by_id(unique_id)
            if created:
                file.delete_object()
            else:
                file.cancel_upload(upload_id)
            ctx.execute_query()
        except (StorageError, requests.RequestException) as exc:
            log.warning("could not clean up after a failed upload to SharePoint: %s", exc)

    def _describe(self, ctx: ClientContext, url: str, path: str) -> Stored | None:
        file = ctx.web.get_file_by_server_relative_path(url)
        file.expand(["ListItemAllFields"]).select(_FILE_FIELDS).get()
        try:
            ctx.execute_query()
        except requests.RequestException as exc:
            if _status(exc) == 404:
                return None
            raise
        item = file.properties.get("ListItemAllFields")
        item_id = item.properties.get("Id") if item is not None else None
        return Stored(
            path=path,
            size=int(file.properties.get("Length") or 0),
            unique_id=file.unique_id,
            item_id=str(item_id) if item_id is not None else None,
            version_label=file.ui_version_label,
            modified_at=_timestamp(file.properties.get("TimeLastModified")),
        )


class CertificateToken:
    """The token callback: msal client credentials with the app registration's certificate,
    for ``<resource>/.default``. msal keeps the token in its cache until shortly before it
    expires; the app is made on first use (msal runs the tenant's OpenID discovery then) and
    made afresh after a failure, so a cached error is not replayed."""

    def __init__(self, settings: Settings, *, resource: str) -> None:
        if not (settings.azure_tenant_id and settings.azure_client_id):
            raise StorageError("SharePoint storage needs AZURE_TENANT_ID and AZURE_CLIENT_ID")
        try:
            cert = certificate_credential(settings)
        except OSError as exc:
            raise StorageError(f"cannot read AZURE_CLIENT_CERT_PATH: {_why(exc)}") from exc
        if cert is None:
            raise StorageError(
                "SharePoint storage needs the Azure app registration's certificate "
                "(AZURE_CLIENT_CERT_PATH and AZURE_CLIENT_CERT_THUMBPRINT): SharePoint REST "
                "does not accept app-only tokens issued for a client secret"
            )
        self.scope = f"{resource}/.default"
        self._client_id = settings.azure_client_id
        self._authority = authority_url(settings)
        self._credential = {"private_key": cert.private_key_pem, "thumbprint": cert.thumbprint_hex}
        if cert.certificate_pem:
            # Sent along (x5c), so a certificate rolled over in Azure is found by its subject.
            self._credential["public_certificate"] = cert.certificate_pem
        self._app: Any = None
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            try:
                if self._app is None:
                    self._app = msal.ConfidentialClientApplication(
                        self._client_id,
                        client_credential=self._credential,
                        authority=self._authority,
                        # Our own configured authority: nothing to discover at
                        # login.microsoftonline.com's instance-discovery endpoint.
                        instance_discovery=False,
                        timeout=TOKEN_TIMEOUT_SECONDS,
                    )
                result = self._app.acquire_token_for_client(scopes=[self.scope])
            except Exception as exc:  # the network, discovery, a key msal cannot use
                self._app = None
                log.warning("no SharePoint token: %r", exc)
                raise StorageBusy(f"no SharePoint token ({type(exc).__name__})") from exc
            if not isinstance(result, dict) or "access_token" not in result:
                self._app = None
                error = result.get("error") if isinstance(result, dict) else None
                description = result.get("error_description") if isinstance(result, dict) else ""
                raise StorageError(
                    f"the token endpoint refused a SharePoint token: {error}: {description}"
                )
            return result


_stores: dict[tuple[Any, ...], SharePointStore] = {}
_stores_lock = threading.Lock()


def _resource(site_url: str) -> str:
    return f"https://{urlsplit(site_url).netloc}"


def _status(exc: Exception) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _resend_after(exc: ClientRequestException) -> float | None:
    """How long to wait before sending a refused chunk again, or None not to."""
    if _status(exc) not in _RESENDABLE:
        return None
    wait = response_retry_after(exc.response)
    return float(wait) if wait is not None and wait <= CHUNK_RETRY_MAX_WAIT else None


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


def _why(exc: OSError) -> str:
    """An OS error in words, without the server's own folder names."""
    return (exc.strerror or type(exc).__name__).lower()
