"""Documents through the backend's own routes, as a browser page sends them: upload (checked
before a byte is read, then by content), stored by the job, opened and downloaded with every
access logged; and every way of asking that must be refused."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlmodel import col, select

from mtkcare.db import session_scope
from mtkcare.documents.models import Document, DocumentAuditLog
from mtkcare.reference.service import ensure_reference_data
from mtkcare.settings import get_settings
from tests.factories import make_client
from tests.support.jobs import drain
from tests.support.web import ORIGIN, Person, running_backend, session_cookie, sign_in

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200  # a Linux executable
MAX_BYTES = 64 * 1024


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("document-files")


@pytest.fixture(scope="module")
def doc_backend(pg_url: str, files: Path) -> Iterator[str]:
    """A backend whose documents, uploads and job queue live in this module's folder, with
    a 64 KiB upload limit."""
    with running_backend(
        pg_url,
        files / "backend.log",
        MTKCARE_DOCUMENTS_PATH=str(files / "documents"),
        MTKCARE_UPLOADS_PATH=str(files / "uploads"),
        MTKCARE_JOBS_PATH=str(files / "jobs.db"),
        MTKCARE_DOCUMENT_MAX_BYTES=str(MAX_BYTES),
    ) as base:
        yield base


@pytest.fixture
def store_jobs(monkeypatch: pytest.MonkeyPatch, pg_url: str, files: Path) -> Iterator[None]:
    """This test process runs the backend's queued jobs (as the consumer would)."""
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("MTKCARE_ENV", "test")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("MTKCARE_DOCUMENTS_PATH", str(files / "documents"))
    monkeypatch.setenv("MTKCARE_UPLOADS_PATH", str(files / "uploads"))
    monkeypatch.setenv("MTKCARE_JOBS_PATH", str(files / "jobs.db"))
    monkeypatch.setenv("MTKCARE_JOB_RETRY_BASE_SECONDS", "0.05")
    monkeypatch.setenv("MTKCARE_JOB_RETRY_CAP_SECONDS", "0.1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _client(pg_url: str, surname: str) -> int:
    with session_scope(url=pg_url) as db:
        ensure_reference_data(db)
        client = make_client(db, None, last_name=surname, phone=None)
        assert client.id is not None
        return client.id


def _post(
    base: str,
    token: str | None,
    body: bytes,
    details: dict[str, object] | None,
    *,
    origin: str | None = ORIGIN,
) -> httpx.Response:
    headers = {"Content-Type": "application/octet-stream"}
    if origin:
        headers["Origin"] = origin
    if details is not None:
        headers["X-Upload"] = quote(json.dumps(details))
    cookies = {get_settings().session_cookie_name: token} if token else {}
    return httpx.post(f"{base}/files/upload", content=body, headers=headers, cookies=cookies)


def _get(base: str, token: str | None, document_id: int, **params: str) -> httpx.Response:
    cookies = {get_settings().session_cookie_name: token} if token else {}
    return httpx.get(f"{base}/files/{document_id}", params=params, cookies=cookies)


def _accesses(pg_url: str, document_id: int) -> list[str]:
    with session_scope(url=pg_url) as db:
        return list(
            db.exec(
                select(DocumentAuditLog.action)
                .where(DocumentAuditLog.document_id == document_id)
                .order_by(col(DocumentAuditLog.id))
            ).all()
        )


def _documents_of(pg_url: str, client_id: int) -> list[Document]:
    with session_scope(url=pg_url) as db:
        return list(
            db.exec(
                select(Document)
                .where(Document.client_id == client_id)
                .order_by(col(Document.id))
                .execution_options(include_deleted=True)
            ).all()
        )


def _uploads_left(files: Path) -> list[Path]:
    return [p for p in (files / "uploads").rglob("*") if p.is_file()]


def test_a_pdf_is_stored_by_the_job_then_opened_and_downloaded_with_each_access_logged(
    doc_backend: str, person: Person, pg_url: str, files: Path, store_jobs: None
) -> None:
    from mtkcare.jobs.queue import get_huey

    worker = person("Case worker")
    token = session_cookie(sign_in(doc_backend, worker.username))
    client_id = _client(pg_url, "Xwdocstore")

    answer = _post(
        doc_backend, token, PDF,
        {"client_id": client_id, "document_type": "ASSESSMENT", "file_name": "../../intake.PDF"},
    )  # fmt: skip
    assert answer.status_code == 202, answer.text
    document_id = answer.json()["id"]
    assert answer.json()["status"] == "PENDING"
    assert _get(doc_backend, token, document_id).status_code == 404  # not stored yet

    drain(get_huey())
    (stored,) = _documents_of(pg_url, client_id)
    assert (stored.status, stored.file_name, stored.title) == ("AVAILABLE", "intake.pdf", "intake")
    assert stored.storage_path.startswith(f"Clients/C{client_id:06d}/General/ASSESSMENT/")
    assert (files / "documents" / stored.storage_path).read_bytes() == PDF
    assert _uploads_left(files) == []

    opened = _get(doc_backend, token, document_id)
    assert opened.status_code == 200 and opened.content == PDF
    assert opened.headers["content-type"] == "application/pdf"
    assert opened.headers["content-disposition"].startswith("inline;")
    assert opened.headers["x-content-type-options"] == "nosniff"
    saved = _get(doc_backend, token, document_id, download="1")
    assert saved.headers["content-disposition"].startswith('attachment; filename="intake.pdf"')
    assert _accesses(pg_url, document_id) == ["UPLOAD", "VIEW", "DOWNLOAD"]


def test_a_file_changed_in_storage_is_not_sent(
    doc_backend: str, person: Person, pg_url: str, files: Path, store_jobs: None
) -> None:
    from mtkcare.jobs.queue import get_huey

    worker = person("Case worker")
    token = session_cookie(sign_in(doc_backend, worker.username))
    client_id = _client(pg_url, "Xwdocchanged")
    document_id = _post(
        doc_backend, token, PDF, {"client_id": client_id, "document_type": "OTHER"}
    ).json()["id"]
    drain(get_huey())
    (stored,) = _documents_of(pg_url, client_id)
    (files / "documents" / stored.storage_path).write_bytes(PDF.replace(b"Catalog", b"Catalgo"))
    answer = _get(doc_backend, token, document_id)
    assert answer.status_code == 502 and b"Catalgo" not in answer.content


def test_refused_uploads_say_why_and_store_nothing(
    doc_backend: str, person: Person, pg_url: str, files: Path
) -> None:
    worker = person("Case worker")
    token = session_cookie(sign_in(doc_backend, worker.username))
    client_id = _client(pg_url, "Xwdocrefused")
    ok = {"client_id": client_id, "document_type": "OTHER", "file_name": "letter.pdf"}

    too_big = _post(doc_backend, token, PDF + b" " * MAX_BYTES, ok)
    assert too_big.status_code == 413 and "larger than" in too_big.json()["title"]
    renamed = _post(doc_backend, token, ELF, {**ok, "file_name": "invoice.pdf"})
    assert renamed.status_code == 415 and "cannot be stored" in renamed.json()["title"]
    empty = _post(doc_backend, token, b"", ok)
    assert empty.status_code == 415
    unknown_type = _post(doc_backend, token, PDF, {**ok, "document_type": "MAGIC"})
    assert unknown_type.status_code == 422
    no_client = _post(doc_backend, token, PDF, {**ok, "client_id": 987654321})
    assert no_client.status_code == 404
    restricted = _post(doc_backend, token, PDF, {**ok, "access_level": "RESTRICTED"})
    assert restricted.status_code == 403  # a case worker cannot make restricted documents
    extra_field = _post(doc_backend, token, PDF, {**ok, "status": "AVAILABLE"})
    assert extra_field.status_code == 422
    other_site = _post(doc_backend, token, PDF, ok, origin="https://evil.example")
    assert other_site.status_code == 403
    no_origin = _post(doc_backend, token, PDF, ok, origin=None)
    assert no_origin.status_code == 403
    signed_out = _post(doc_backend, None, PDF, ok)
    assert signed_out.status_code == 401

    assert _documents_of(pg_url, client_id) == []
    assert _uploads_left(files) == []


def test_an_oversized_upload_is_refused_before_its_body_is_read(
    doc_backend: str, person: Person, pg_url: str
) -> None:
    """The answer comes from the declared length alone: the request below sends 100 bytes of
    a declared 50 MB body, then waits — the server answers 413 without waiting for the rest."""
    worker = person("Case worker")
    token = session_cookie(sign_in(doc_backend, worker.username))
    client_id = _client(pg_url, "Xwdocbig")
    host, port = doc_backend.removeprefix("http://").split(":")
    details = quote(json.dumps({"client_id": client_id, "document_type": "OTHER"}))
    head = (
        f"POST /files/upload HTTP/1.1\r\nHost: {host}:{port}\r\nOrigin: {ORIGIN}\r\n"
        f"Cookie: {get_settings().session_cookie_name}={token}\r\nX-Upload: {details}\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {50 * 1024 * 1024}\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(head.encode() + b"%PDF" + b"\x00" * 96)
        answer = conn.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert _documents_of(pg_url, client_id) == []


def test_nobody_gets_a_document_without_access_and_reflex_upload_does_not_exist(
    doc_backend: str, person: Person, pg_url: str, store_jobs: None
) -> None:
    from mtkcare.jobs.queue import get_huey

    lead = person("Team lead")
    lead_token = session_cookie(sign_in(doc_backend, lead.username))
    client_id = _client(pg_url, "Xwdocaccess")
    restricted_id = _post(
        doc_backend, lead_token, PDF,
        {"client_id": client_id, "document_type": "ASSESSMENT", "access_level": "RESTRICTED"},
    ).json()["id"]  # fmt: skip
    confidential_id = _post(
        doc_backend, lead_token, PDF,
        {"client_id": client_id, "document_type": "ASSESSMENT", "access_level": "CONFIDENTIAL"},
    ).json()["id"]  # fmt: skip
    drain(get_huey())

    worker_token = session_cookie(sign_in(doc_backend, person("Case worker").username))
    other_lead_token = session_cookie(sign_in(doc_backend, person("Team lead").username))
    admin_token = session_cookie(sign_in(doc_backend, person("Administrator").username))
    assert _get(doc_backend, None, restricted_id).status_code == 401
    assert _get(doc_backend, worker_token, restricted_id).status_code == 404
    assert _get(doc_backend, admin_token, restricted_id).status_code == 403  # no document.view
    assert _get(doc_backend, other_lead_token, restricted_id).status_code == 200
    # Confidential: the uploader is named on it; another team lead is not.
    assert _get(doc_backend, other_lead_token, confidential_id).status_code == 404
    assert _get(doc_backend, lead_token, confidential_id).status_code == 200
    assert _get(doc_backend, None, 0).status_code == 401
    for path in ("/_upload", "/_upload/anything.pdf"):
        assert httpx.post(f"{doc_backend}{path}", content=b"x").status_code in (404, 405)
        assert httpx.get(f"{doc_backend}{path}").status_code == 404
