"""A local stand-in for SharePoint Online's REST API (``<site>/_api``, OData "verbose" JSON):
the calls Office365-REST-Python-Client makes for one document library, served by uvicorn on
127.0.0.1 (in a thread for tests, or as a process: ``python -m tests.fakes.sharepoint``).

It behaves like SharePoint where our code depends on it:

- every request needs ``Authorization: Bearer <token>`` with a token in ``tokens`` (401 with
  ``WWW-Authenticate`` otherwise), and every POST but ``contextinfo`` the form digest that
  ``contextinfo`` handed out in ``X-RequestDigest`` (403 "security validation" otherwise);
- folders are added one level at a time and adding an existing one returns it;
- ``Files/add`` creates a file (version 1.0) or, with ``overwrite=true``, gives it a new major
  version; an upload session (``startUpload`` / ``continueUpload`` / ``finishUpload``, checked
  offsets) changes the content only when it finishes, ``cancelUpload`` drops it; earlier
  versions are listed under ``versions``, the list item (its ``Id``) under
  ``listItemAllFields`` or ``$expand=ListItemAllFields``, and ``$select`` trims the answer;
- a ``DELETE`` (``X-HTTP-Method``) or ``recycle`` removes the file; a missing one is 404;
- objects are addressed by server-relative URL or path, by ``GetFileById`` /
  ``GetFolderById``, or by name under a parent (``Folders('x')``, ``Files('y')``).

Tests control it through ``fail`` (N answers of a status, with a Retry-After), ``delay`` (hold
N requests, e.g. past the client's read timeout) and the file helpers (``content``,
``change_behind_the_app``, ``delete_behind_the_app``); ``requests`` logs every request.
Anything it does not know gets 501, so a new library call shows up in a test at once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# What SharePoint answers when the form digest is missing or stale.
SECURITY_VALIDATION = "-2130575251, Microsoft.SharePoint.SPException"
FILE_NOT_FOUND = "-2147024894, System.IO.FileNotFoundException"
ALREADY_EXISTS = "-2130575257, Microsoft.SharePoint.SPException"
DIGEST_SECONDS = 1800


@dataclass
class Logged:
    """One request as the fake saw it: ``path`` is decoded and relative to ``<site>/_api/``."""

    method: str
    path: str
    query: str
    body_bytes: int
    status: int = 0

    @property
    def line(self) -> str:
        """What fault patterns are matched against, e.g.
        ``POST Web/GetFileById('…')/startUpload(uploadID='…')``."""
        return f"{self.method} {self.path}" + (f"?{self.query}" if self.query else "")


@dataclass
class Fault:
    pattern: re.Pattern[str]
    times: int
    status: int | None  # None: only the delay, then the request is answered as usual
    retry_after: str | None = None
    delay: float = 0.0


@dataclass
class _Version:
    label: str
    content: bytes
    modified: datetime


@dataclass
class _File:
    url: str  # server-relative, as first created (SharePoint keeps the case it was given)
    unique_id: str
    item_id: int
    content: bytes
    created: datetime
    modified: datetime
    major: int = 1
    history: list[_Version] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.major}.0"

    def replace(self, content: bytes) -> None:
        """A new major version: the current one moves to the history."""
        self.history.append(_Version(self.label, self.content, self.modified))
        self.content = content
        self.major += 1
        self.modified = _now()


@dataclass
class _Folder:
    url: str
    unique_id: str
    created: datetime


@dataclass
class _Session:
    file_id: str
    data: bytearray


# What a path segment resolves to while walking ``Web/…/…``.
@dataclass
class _Node:
    kind: str  # web | folder | folders | files | file | item | versions
    folder: _Folder | None = None
    file_url: str | None = None  # file: the URL asked for (the file may not exist)


class _Missing(Exception):
    """The path names a file or folder that is not there (404)."""


class _Unknown(Exception):
    """A call the fake does not implement (501)."""


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _key(url: str) -> str:
    return url.rstrip("/").lower()


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    """Split on ``separator`` where it is outside '…' literals and parentheses (``''`` is an
    escaped quote inside a literal)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    depth = 0
    for char in text:
        if char == "'":
            quoted = not quoted  # an escaped '' flips twice
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == separator and not quoted and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _literal(text: str, aliases: dict[str, str]) -> Any:
    """An OData literal: 'text', guid'…', true/false, a number, or a parameter alias (@a1)."""
    text = text.strip()
    if text.startswith("@"):
        return _literal(aliases.get(text, ""), aliases)
    if text.lower().startswith("guid'") and text.endswith("'"):
        return text[5:-1]
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def _call(segment: str, aliases: dict[str, str]) -> tuple[str, list[Any], dict[str, Any]]:
    """``name(arg,key=value)`` → (lower-case name, positional args, named args (lower-case))."""
    name, _, rest = segment.partition("(")
    args: list[Any] = []
    named: dict[str, Any] = {}
    if rest:
        inner = rest[: rest.rfind(")")]
        for part in _split_outside_quotes(inner, ","):
            if not part.strip():
                continue
            key, equals, value = part.partition("=")
            if equals and not key.strip().startswith("'"):
                named[key.strip().lower()] = _literal(value, aliases)
            else:
                args.append(_literal(part, aliases))
    return name.strip().lower(), args, named


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": code, "message": {"lang": "en-US", "value": message}}}
    return JSONResponse(body, status_code=status, headers=headers)


def _d(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"d": body})


def _select(entity: dict[str, Any], select: str | None) -> dict[str, Any]:
    if not select:
        return entity
    wanted = {name.split("/")[0].lower() for name in select.split(",") if name.strip()}
    return {k: v for k, v in entity.items() if k == "__metadata" or k.lower() in wanted}


class FakeSharePoint:
    """The state and the ASGI app of one fake site with one document library."""

    def __init__(
        self,
        *,
        token: str = "fake-sharepoint-token",
        site_path: str = "/sites/docs",
        library: str = "Shared Documents",
    ) -> None:
        self.site_path = site_path
        self.library_url = f"{site_path}/{library}"
        self.tokens: set[str] = {token} if token else set()
        self.requests: list[Logged] = []
        self.base_url = ""  # http://127.0.0.1:<port>, once it is served
        self._faults: list[Fault] = []
        self._digests: set[str] = set()
        self._lock = threading.RLock()
        root = _Folder(self.library_url, str(uuid.uuid4()), _now())
        self._folders: dict[str, _Folder] = {_key(root.url): root}
        self._files: dict[str, _File] = {}
        self._sessions: dict[str, _Session] = {}
        self._next_item_id = 1
        self.app = Starlette(routes=[Route("/{rest:path}", self._handle, methods=["GET", "POST"])])

    # -- test controls --------------------------------------------------------------------

    @property
    def site_url(self) -> str:
        return f"{self.base_url}{self.site_path}"

    def fail(
        self, pattern: str, status: int, *, times: int = 1, retry_after: str | None = None
    ) -> None:
        """Answer the next ``times`` requests whose ``Logged.line`` matches ``pattern`` (a
        case-insensitive regex) with ``status``, and ``Retry-After`` when given."""
        with self._lock:
            self._faults.append(Fault(re.compile(pattern, re.I), times, status, retry_after))

    def delay(self, pattern: str, seconds: float, *, times: int = 1) -> None:
        """Hold the next ``times`` matching requests for ``seconds``, then answer them as usual
        (a client with a shorter read timeout has given up by then, as with a slow server)."""
        with self._lock:
            self._faults.append(Fault(re.compile(pattern, re.I), times, None, delay=seconds))

    def calls(self, pattern: str = "") -> list[Logged]:
        """The logged requests whose ``line`` matches ``pattern``."""
        regex = re.compile(pattern, re.I)
        with self._lock:
            return [r for r in self.requests if regex.search(r.line)]

    def _file(self, path: str) -> _File | None:
        return self._files.get(_key(f"{self.library_url}/{path}"))

    def exists(self, path: str) -> bool:
        """Whether the library holds a file at ``path`` (relative to the library)."""
        with self._lock:
            return self._file(path) is not None

    def content(self, path: str) -> bytes:
        with self._lock:
            found = self._file(path)
            assert found is not None, f"no file at {path}"
            return found.content

    def version_labels(self, path: str) -> list[str]:
        """Every version's label, oldest first, the current one last."""
        with self._lock:
            found = self._file(path)
            assert found is not None, f"no file at {path}"
            return [v.label for v in found.history] + [found.label]

    def change_behind_the_app(self, path: str, content: bytes) -> None:
        """Someone edits the file in SharePoint: a new version with other bytes."""
        with self._lock:
            found = self._file(path)
            assert found is not None, f"no file at {path}"
            found.replace(content)

    def delete_behind_the_app(self, path: str) -> None:
        with self._lock:
            self._files.pop(_key(f"{self.library_url}/{path}"))

    def open_upload_sessions(self) -> int:
        with self._lock:
            return len(self._sessions)

    # -- HTTP -----------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        path: str = request.scope["path"]
        api = f"{self.site_path}/_api/".lower()
        logged = Logged(
            # SharePoint clients send DELETE/MERGE as a POST with X-HTTP-Method.
            method=request.headers.get("x-http-method", request.method).upper(),
            path=path[len(api) :] if path.lower().startswith(api) else path,
            query=request.url.query,
            body_bytes=len(body),
        )
        with self._lock:
            self.requests.append(logged)
            fault = self._take_fault(logged.line)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.status is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
            phrase = f"{HTTPStatus(fault.status).phrase} (injected by the test)"
            response: Response = _error(fault.status, str(fault.status), phrase, headers)
        elif not path.lower().startswith(api):
            response = _error(404, FILE_NOT_FOUND, "File Not Found.")
        else:
            response = self._answer(request, logged, body)
        logged.status = response.status_code
        return response

    def _take_fault(self, line: str) -> Fault | None:
        for fault in self._faults:
            if fault.times > 0 and fault.pattern.search(line):
                fault.times -= 1
                return fault
        return None

    def _answer(self, request: Request, logged: Logged, body: bytes) -> Response:
        authorization = request.headers.get("authorization", "")
        if authorization.removeprefix("Bearer ") not in self.tokens:
            return JSONResponse(
                {"error_description": "Invalid JWT token. The token is not valid."},
                status_code=401,
                headers={
                    "WWW-Authenticate": 'Bearer realm="fake-tenant",'
                    'client_id="00000003-0000-0ff1-ce00-000000000000",'
                    'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"'
                },
            )
        if request.method == "POST" and logged.path.lower() == "contextinfo":
            return self._context_info()
        if request.method != "GET" and request.headers.get("x-requestdigest") not in self._digests:
            return _error(
                403,
                SECURITY_VALIDATION,
                "The security validation for this page is invalid and might be corrupted.",
            )
        aliases = dict(parse_qsl(logged.query))
        segments = [s for s in _split_outside_quotes(logged.path, "/") if s]
        try:
            with self._lock:
                return self._walk(segments, aliases, logged.method, body, request.query_params)
        except _Missing:
            return _error(404, FILE_NOT_FOUND, "File Not Found.")
        except _Unknown:
            return _error(501, "NotImplemented", f"the fake does not know {logged.line}")

    def _context_info(self) -> Response:
        digest = f"0x{secrets.token_hex(32).upper()},{_now():%d %b %Y %H:%M:%S} -0000"
        with self._lock:
            self._digests.add(digest)
        return _d(
            {
                "GetContextWebInformation": {
                    "__metadata": {"type": "SP.ContextWebInformation"},
                    "FormDigestTimeoutSeconds": DIGEST_SECONDS,
                    "FormDigestValue": digest,
                    "LibraryVersion": "16.0.0.0",
                    "SiteFullUrl": self.site_url,
                    "SupportedSchemaVersions": {"results": ["14.0.0.0", "15.0.0.0"]},
                    "WebFullUrl": self.site_url,
                }
            }
        )

    # -- walking the path -----------------------------------------------------------------

    def _walk(
        self,
        segments: list[str],
        aliases: dict[str, str],
        method: str,
        body: bytes,
        query: Any,
    ) -> Response:
        if not segments or segments[0].lower() != "web":
            raise _Unknown
        node = _Node("web")
        for index, segment in enumerate(segments[1:], start=1):
            last = index == len(segments) - 1
            name, args, named = _call(segment, aliases)
            step = self._step(node, name, args, named, method if last else "GET", body)
            if isinstance(step, Response):
                if not last:
                    raise _Unknown
                return step
            node = step
        return self._read_or_delete(node, method, query)

    def _step(
        self,
        node: _Node,
        name: str,
        args: list[Any],
        named: dict[str, Any],
        method: str,
        body: bytes,
    ) -> _Node | Response:
        if node.kind == "web":
            if name in ("getfolderbyserverrelativeurl", "getfolderbyserverrelativepath"):
                return _Node("folder", folder=self._folder_at(self._url(args, named)))
            if name == "getfolderbyid":
                return _Node("folder", folder=self._folder_by_id(str(args[0])))
            if name in ("getfilebyserverrelativeurl", "getfilebyserverrelativepath"):
                return _Node("file", file_url=self._url(args, named))
            if name == "getfilebyid":
                return _Node("file", file_url=self._file_by_id(str(args[0])).url)
        if node.kind == "folder" and node.folder is not None:
            if name == "folders":
                if args:
                    return _Node("folder", folder=self._folder_at(f"{node.folder.url}/{args[0]}"))
                return _Node("folders", folder=node.folder)
            if name == "files":
                if args:
                    return _Node("file", file_url=f"{node.folder.url}/{args[0]}")
                return _Node("files", folder=node.folder)
        if node.kind == "folders" and node.folder is not None and name == "add" and args:
            if method != "POST":
                raise _Unknown
            return self._folder_json(self._add_folder(node.folder, str(args[0])))
        if node.kind == "files" and node.folder is not None and name == "add":
            if method != "POST":
                raise _Unknown
            return self._add_file(
                node.folder, str(named["url"]), bool(named.get("overwrite")), body
            )
        if node.kind == "file" and node.file_url is not None:
            return self._file_step(node.file_url, name, named, method, body)
        raise _Unknown

    def _file_step(
        self, url: str, name: str, named: dict[str, Any], method: str, body: bytes
    ) -> _Node | Response:
        found = self._files.get(_key(url))
        if name == "listitemallfields":
            return _Node("item", file_url=url)
        if name == "versions":
            return _Node("versions", file_url=url)
        if found is None:
            raise _Missing
        if name == "$value" and method == "GET":
            return Response(found.content, media_type="application/octet-stream")
        if method != "POST":
            raise _Unknown
        if name == "startupload":
            session = _Session(found.unique_id, bytearray(body))
            self._sessions[str(named["uploadid"]).lower()] = session
            return _d({"StartUpload": str(len(session.data))})
        if name in ("continueupload", "finishupload"):
            session = self._session(str(named["uploadid"]), found)
            if named.get("fileoffset") != len(session.data):
                return _error(
                    400, "-1, System.ArgumentException", "The file offset does not match."
                )
            session.data.extend(body)
            if name == "continueupload":
                return _d({"ContinueUpload": str(len(session.data))})
            self._sessions.pop(str(named["uploadid"]).lower())
            found.replace(bytes(session.data))
            return self._file_json(found)
        if name == "cancelupload":
            # The id comes in the URL (cancelUpload(uploadId=…)) or as a JSON body.
            upload_id = named.get("uploadid") or json.loads(body or b"{}").get("uploadId", "")
            self._sessions.pop(str(upload_id).lower(), None)
            return Response(status_code=200)
        if name == "recycle":
            self._remove_file(found)
            return _d({"Recycle": str(uuid.uuid4())})
        raise _Unknown

    def _read_or_delete(self, node: _Node, method: str, query: Any) -> Response:
        select = query.get("$select")
        if node.kind == "folder" and node.folder is not None and method == "GET":
            return self._folder_json(node.folder, select)
        found = self._files.get(_key(node.file_url or ""))
        if found is None:
            raise _Missing
        if node.kind == "file" and method == "GET":
            return self._file_json(found, select, query.get("$expand"))
        if node.kind == "file" and method == "DELETE":
            self._remove_file(found)
            return Response(status_code=200)
        if node.kind == "item" and method == "GET":
            return _d(_select(self._item(found), select))
        if node.kind == "versions" and method == "GET":
            return _d({"results": [self._version(found, v) for v in found.history]})
        raise _Unknown

    # -- state changes --------------------------------------------------------------------

    def _url(self, args: list[Any], named: dict[str, Any]) -> str:
        url = str(named.get("decodedurl", args[0] if args else ""))
        return url if url.startswith("/") else f"{self.site_path}/{url}"

    def _folder_at(self, url: str) -> _Folder:
        found = self._folders.get(_key(url))
        if found is None:
            raise _Missing
        return found

    def _folder_by_id(self, unique_id: str) -> _Folder:
        for folder in self._folders.values():
            if folder.unique_id.lower() == unique_id.lower():
                return folder
        raise _Missing

    def _file_by_id(self, unique_id: str) -> _File:
        for found in self._files.values():
            if found.unique_id.lower() == unique_id.lower():
                return found
        raise _Missing

    def _session(self, upload_id: str, found: _File) -> _Session:
        session = self._sessions.get(upload_id.lower())
        if session is None or session.file_id != found.unique_id:
            raise _Missing
        return session

    def _add_folder(self, parent: _Folder, name: str) -> _Folder:
        url = f"{parent.url}/{name}"
        folder = self._folders.get(_key(url))
        if folder is None:
            folder = _Folder(url, str(uuid.uuid4()), _now())
            self._folders[_key(url)] = folder
        return folder

    def _add_file(self, folder: _Folder, name: str, overwrite: bool, body: bytes) -> Response:
        url = f"{folder.url}/{name}"
        found = self._files.get(_key(url))
        if found is not None and not overwrite:
            return _error(400, ALREADY_EXISTS, f"A file with the name {url} already exists.")
        if found is not None:
            found.replace(body)
        else:
            found = _File(url, str(uuid.uuid4()), self._next_item_id, body, _now(), _now())
            self._next_item_id += 1
            self._files[_key(url)] = found
        return self._file_json(found)

    def _remove_file(self, found: _File) -> None:
        self._files.pop(_key(found.url), None)
        for upload_id in [k for k, s in self._sessions.items() if s.file_id == found.unique_id]:
            del self._sessions[upload_id]

    # -- JSON -----------------------------------------------------------------------------

    def _metadata(self, kind: str, address: str) -> dict[str, str]:
        uri = f"{self.site_url}/_api/Web/{address}"
        return {"id": uri, "uri": uri, "type": kind}

    def _folder_json(self, folder: _Folder, select: str | None = None) -> Response:
        entity = {
            "__metadata": self._metadata("SP.Folder", f"GetFolderById('{folder.unique_id}')"),
            "Exists": True,
            "IsWOPIEnabled": False,
            "ItemCount": 0,
            "Name": folder.url.rsplit("/", 1)[-1],
            "ProgID": None,
            "ServerRelativeUrl": folder.url,
            "TimeCreated": _iso(folder.created),
            "TimeLastModified": _iso(folder.created),
            "UniqueId": folder.unique_id,
            "WelcomePage": "",
        }
        return _d(_select(entity, select))

    def _file_json(
        self, found: _File, select: str | None = None, expand: str | None = None
    ) -> Response:
        entity: dict[str, Any] = {
            "__metadata": self._metadata("SP.File", f"GetFileById('{found.unique_id}')"),
            "CheckInComment": "",
            "CheckOutType": 2,
            "ContentTag": f"{{{found.unique_id}}},{found.major},1",
            "ETag": f'"{{{found.unique_id}}},{found.major}"',
            "Exists": True,
            "Length": str(len(found.content)),
            "Level": 1,
            "MajorVersion": found.major,
            "MinorVersion": 0,
            "Name": found.url.rsplit("/", 1)[-1],
            "ServerRelativeUrl": found.url,
            "TimeCreated": _iso(found.created),
            "TimeLastModified": _iso(found.modified),
            "Title": None,
            "UIVersion": 512 * found.major,
            "UIVersionLabel": found.label,
            "UniqueId": found.unique_id,
        }
        if expand and "listitemallfields" in expand.lower():
            entity["ListItemAllFields"] = self._item(found)
        return _d(_select(entity, select))

    def _item(self, found: _File) -> dict[str, Any]:
        return {
            "__metadata": {"type": "SP.Data.Shared_x0020_DocumentsItem"},
            "Id": found.item_id,
            "ID": found.item_id,
            "FileRef": found.url,
            "Modified": _iso(found.modified),
        }

    def _version(self, found: _File, version: _Version) -> dict[str, Any]:
        major = int(version.label.split(".")[0])
        return {
            "__metadata": {"type": "SP.FileVersion"},
            "CheckInComment": "",
            "Created": _iso(version.modified),
            "ID": 512 * major,
            "IsCurrentVersion": False,
            "Size": len(version.content),
            "Url": f"_vti_history/{512 * major}{found.url.removeprefix(self.site_path)}",
            "VersionLabel": version.label,
        }


def _serve(fake: FakeSharePoint, port: int = 0) -> tuple[uvicorn.Server, threading.Thread]:
    server = uvicorn.Server(
        uvicorn.Config(fake.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "SharePoint fake did not start"
        time.sleep(0.02)
    fake.base_url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    return server, thread


@contextmanager
def running_sharepoint(*, token: str = "fake-sharepoint-token") -> Iterator[FakeSharePoint]:
    fake = FakeSharePoint(token=token)
    server, thread = _serve(fake)
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main(argv: list[str] | None = None) -> None:
    """Serve a fake site until stdin closes; prints the site URL first (for the benchmark,
    which measures its own memory, so the fake's copies of the files must live elsewhere)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", default="fake-sharepoint-token")
    args = parser.parse_args(argv)
    fake = FakeSharePoint(token=args.token)
    server, thread = _serve(fake)
    print(fake.site_url, flush=True)
    sys.stdin.read()
    server.should_exit = True
    thread.join(timeout=10)


if __name__ == "__main__":
    main()
