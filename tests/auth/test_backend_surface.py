"""What the backend serves beyond our routes, and what its pages may connect to."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mtkcare.settings import Settings
from tests.conftest import ROOT
from tests.support.web import ORIGIN, Person, sign_in

SOURCE = re.compile(r"^(?:'self'|(?:https?|wss?)://[A-Za-z0-9.-]+(?::\d+)?)$")


def connect_sources(csp: str) -> list[str]:
    directive = next(d.strip() for d in csp.split(";") if d.strip().startswith("connect-src "))
    return directive.split()[1:]


def test_pages_may_connect_to_our_own_hosts_only(backend: str, person: Person) -> None:
    csp = sign_in(backend, person().username).headers["content-security-policy"]
    sources = connect_sources(csp)
    assert sources[0] == "'self'"
    # Named hosts only: no bare scheme such as ws: or wss:, which allows every host.
    assert all(SOURCE.match(source) for source in sources), sources
    # Development: the page on :3000 opens the event socket on the backend's own port.
    assert "ws://localhost:8000" in sources and "http://localhost:3000" in sources


def test_in_production_the_pages_connect_to_the_public_address_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MTKCARE_ENV", "production")
    monkeypatch.setenv("MTKCARE_SECRET_KEY", "k" * 48)
    monkeypatch.setenv("MTKCARE_PUBLIC_URL", "https://care.example.org")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://mtkcare@db.internal/mtkcare")
    monkeypatch.delenv("MTKCARE_ALLOWED_ORIGINS", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.connect_origins == ["https://care.example.org", "wss://care.example.org"]


@pytest.fixture
def file_in_reflex_upload_folder() -> Iterator[str]:
    """A file where Reflex's upload endpoint would serve it from, were it registered."""
    folder = Path(os.environ.get("REFLEX_UPLOADED_FILES_DIR") or ROOT / "uploaded_files")
    made = not folder.exists()
    folder.mkdir(exist_ok=True)
    probe = folder / f"probe-{uuid.uuid4().hex}.txt"
    probe.write_text("not for anyone")
    try:
        yield probe.name
    finally:
        probe.unlink()
        if made:
            folder.rmdir()


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", ["/_upload", "/_upload/x", "/_upload/{probe}"])
def test_reflex_upload_endpoint_is_not_served(
    backend: str, method: str, path: str, file_in_reflex_upload_folder: str
) -> None:
    """Documents are uploaded through our own guarded route, never Reflex's ``/_upload``
    (which accepts any size from anyone and serves its folder without sign-in)."""
    response = httpx.request(
        method,
        f"{backend}{path.format(probe=file_in_reflex_upload_folder)}",
        headers={"Origin": ORIGIN, "Reflex-Client-Token": "t", "Reflex-Event-Handler": "x"},
        files={"files": ("x.txt", b"hello")} if method == "POST" else None,
    )
    assert response.status_code == 404, (response.status_code, response.text[:200])
