"""Stand-ins for SharePoint and Entra ID shared by the documents tests: a fake SharePoint
site, the certificate registered for the app, a fake token endpoint that checks it, and the
settings that point the app's SharePoint store at them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mtkcare.settings import Settings
from tests.fakes.entra_token import (
    AppCertificate,
    FakeEntraToken,
    app_certificate,
    running_entra_token,
)
from tests.fakes.sharepoint import FakeSharePoint, running_sharepoint

TOKEN = "sharepoint-test-token"


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
