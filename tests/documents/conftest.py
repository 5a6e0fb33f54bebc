"""Stand-ins for SharePoint and Entra ID shared by the documents tests: a fake SharePoint
site, the certificate registered for the app, a fake token endpoint that checks it, and the
settings that point the app's SharePoint store at them."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mtkcare.auth.service import Principal
from mtkcare.db import session_scope
from mtkcare.documents.service import accept_upload
from mtkcare.documents.validation import kind_of
from mtkcare.jobs.queue import Queue
from mtkcare.settings import Settings, get_settings
from tests.fakes.entra_token import (
    AppCertificate,
    FakeEntraToken,
    app_certificate,
    running_entra_token,
)
from tests.fakes.sharepoint import FakeSharePoint, running_sharepoint

TOKEN = "sharepoint-test-token"
SHAREPOINT_TEST_CHUNK = 64 * 1024


@pytest.fixture
def sharepoint() -> Iterator[FakeSharePoint]:
    with running_sharepoint(token=TOKEN) as fake:
        yield fake


TENANT = str(uuid.uuid4())
CLIENT_ID = str(uuid.uuid4())


def settings_for(monkeypatch: pytest.MonkeyPatch, **values: str) -> Settings:
    """Settings with exactly these document storage and Azure values (no .env file)."""
    for name in (
        "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_CERT_PATH",
        "AZURE_CLIENT_CERT_THUMBPRINT",
        "AZURE_AUTHORITY_HOST",
        "SHAREPOINT_LIBRARY",
        "SHAREPOINT_CHUNK_BYTES",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


def certificate_settings(
    monkeypatch: pytest.MonkeyPatch,
    sharepoint: FakeSharePoint,
    authority_host: str,
    certificate: AppCertificate,
) -> Settings:
    return settings_for(
        monkeypatch,
        MTKCARE_DOCUMENT_STORAGE="sharepoint",
        SHAREPOINT_SITE_URL=sharepoint.site_url,
        AZURE_TENANT_ID=TENANT,
        AZURE_CLIENT_ID=CLIENT_ID,
        AZURE_CLIENT_CERT_PATH=str(certificate.pem_path),
        AZURE_CLIENT_CERT_THUMBPRINT=certificate.thumbprint,
        AZURE_AUTHORITY_HOST=authority_host,
    )


@pytest.fixture
def registered(tmp_path: Path) -> AppCertificate:
    """The certificate uploaded to the app registration."""
    return app_certificate(tmp_path, "registered.pem")


def sharepoint_resource(sharepoint: FakeSharePoint) -> str:
    """What the token is for: ``https://<SharePoint host>`` (the fake itself speaks http)."""
    return sharepoint.base_url.replace("http://", "https://")


@pytest.fixture
def entra(
    tmp_path: Path,
    sharepoint: FakeSharePoint,
    registered: AppCertificate,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[FakeEntraToken]:
    sharepoint.tokens.clear()  # only tokens the directory issues from here on
    with running_entra_token(
        tmp_path,
        tenant=TENANT,
        client_id=CLIENT_ID,
        certificate_pem=registered.certificate_pem,
        resource=sharepoint_resource(sharepoint),
        issue_to=sharepoint.tokens,
    ) as fake:
        # requests (msal) trusts this bundle over any `verify` given in code.
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_file))
        yield fake


# --------------------------------------------------------------------------------------------
# The local store, and uploads made through the service (as the upload route makes them)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n%%EOF\n"


@pytest.fixture
def store(jobs: Queue, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The local store and upload folder of this test; its jobs run by ``drain``."""
    monkeypatch.setenv("MTKCARE_DOCUMENT_STORAGE", "local")
    monkeypatch.setenv("MTKCARE_DOCUMENTS_PATH", str(tmp_path / "documents"))
    monkeypatch.setenv("MTKCARE_UPLOADS_PATH", str(tmp_path / "uploads"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def upload(actor: Principal, body: bytes = PDF, **details: Any) -> int:
    folder = Path(get_settings().uploads_path) / uuid.uuid4().hex
    folder.mkdir(parents=True)
    source = folder / "upload.bin"
    source.write_bytes(body)
    with session_scope() as db:
        document = accept_upload(
            db, actor, {"document_type": "ASSESSMENT", **details},
            source=source, file_name="scan.pdf", kind=kind_of(body), size=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
        )  # fmt: skip
        assert document.id is not None
        return document.id


@pytest.fixture
def on_sharepoint(
    jobs: Queue,
    sharepoint: FakeSharePoint,
    entra: FakeEntraToken,
    registered: AppCertificate,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[FakeSharePoint]:
    """The app's documents in the fake SharePoint site (signed in with the registered
    certificate), in chunks of ``SHAREPOINT_TEST_CHUNK`` bytes."""
    certificate_settings(monkeypatch, sharepoint, entra.authority_host, registered)
    monkeypatch.setenv("SHAREPOINT_CHUNK_BYTES", str(SHAREPOINT_TEST_CHUNK))
    monkeypatch.setenv("MTKCARE_UPLOADS_PATH", str(tmp_path / "uploads"))
    get_settings.cache_clear()
    yield sharepoint
    get_settings.cache_clear()
