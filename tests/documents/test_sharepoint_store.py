"""The SharePoint document store against local stand-ins for SharePoint's REST API and Entra
ID's token endpoint (``tests/fakes/sharepoint.py``, ``tests/fakes/entra_token.py``): real HTTP,
the real Office365-REST-Python-Client and msal; nothing of ours is replaced."""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from office365.sharepoint.client_context import ClientContext

from mtkcare.documents.sharepoint import SharePointStore
from mtkcare.documents.storage import (
    StorageBusy,
    StorageError,
    Stored,
    StoredFileMissing,
    document_path,
)
from tests.documents.conftest import (
    CLIENT_ID,
    TENANT,
    TOKEN,
    certificate_settings,
    settings_for,
    sharepoint_resource,
)
from tests.fakes.entra_token import (
    AppCertificate,
    FakeEntraToken,
    app_certificate,
)
from tests.fakes.sharepoint import FakeSharePoint

CHUNK_BYTES = 64 * 1024
BIG = 300 * 1024  # five chunks: start, three continues, finish


def static_token(value: str = TOKEN) -> Callable[[], dict[str, Any]]:
    return lambda: {"access_token": value, "token_type": "Bearer", "expires_in": 3599}


@pytest.fixture
def store(sharepoint: FakeSharePoint) -> SharePointStore:
    return SharePointStore(
        sharepoint.site_url, static_token(), chunk_bytes=CHUNK_BYTES, timeout=(2.0, 5.0)
    )


def a_path(title: str = "Passport", extension: str = "pdf") -> str:
    """A document's path as the app names it, unique per call."""
    return document_path(
        client_number=f"C-{uuid.uuid4().hex[:6]}",
        referral_tracking_id=None,
        document_type="IDENTIFICATION",
        day=date(2026, 11, 29),
        title=title,
        version=1,
        extension=extension,
    )


def a_file(directory: Path, size: int) -> Path:
    source = directory / f"{uuid.uuid4().hex}.bin"
    source.write_bytes(os.urandom(size))
    return source


# --------------------------------------------------------------------------------------------
# Storing, reading, describing, removing


def test_a_small_file_goes_up_in_one_request_into_folders_made_on_the_way(
    store: SharePointStore, sharepoint: FakeSharePoint, tmp_path: Path
) -> None:
    source = a_file(tmp_path, 10_000)
    path = a_path()

    stored = store.put(source, path)

    assert sharepoint.content(path) == source.read_bytes()
    assert stored.path == path
    assert stored.size == 10_000
    assert stored.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert stored.version_label == "1.0"
    assert stored.unique_id and stored.item_id and stored.modified_at is not None
    folders = [c.path for c in sharepoint.calls(r"/Folders/Add\(")]
    assert [f.rsplit("/", 1)[-1] for f in folders] == [
        f"Add('{part}')" for part in path.split("/")[:-1]
    ]
    assert len(sharepoint.calls(r"/Files/add\(")) == 1
    assert not sharepoint.calls("Upload")


def test_a_big_file_goes_up_in_chunks_and_arrives_intact(
    store: SharePointStore, sharepoint: FakeSharePoint, tmp_path: Path
) -> None:
    source = a_file(tmp_path, BIG)
    path = a_path(extension="tif")

    stored = store.put(source, path)

    assert sharepoint.content(path) == source.read_bytes()
    assert stored.size == BIG
    assert stored.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    chunks = sharepoint.calls(r"(start|continue|finish)Upload")
    assert [c.path.rsplit("/", 1)[-1].split("(")[0] for c in chunks] == (
        ["startUpload"] + ["continueUpload"] * 3 + ["finishUpload"]
    )
    assert max(r.body_bytes for r in sharepoint.requests) <= CHUNK_BYTES
    assert sharepoint.open_upload_sessions() == 0


@pytest.mark.parametrize("size", [10_000, BIG], ids=["one request", "in chunks"])
def test_storing_again_at_the_same_path_adds_one_version_and_keeps_the_ids(
    store: SharePointStore, sharepoint: FakeSharePoint, tmp_path: Path, size: int
) -> None:
    path = a_path()
    first = store.put(a_file(tmp_path, size), path)
    labels = sharepoint.version_labels(path)
    second_source = a_file(tmp_path, size)

    second = store.put(second_source, path)

    assert sharepoint.content(path) == second_source.read_bytes()
    assert sharepoint.version_labels(path) == labels + [second.version_label]
    assert second.version_label != first.version_label
    assert (second.unique_id, second.item_id) == (first.unique_id, first.item_id)


def test_read_streams_back_the_same_bytes_in_chunks(
    store: SharePointStore, sharepoint: FakeSharePoint, tmp_path: Path
) -> None:
    source = a_file(tmp_path, BIG)
    path = a_path()
    store.put(source, path)

    chunks = list(store.read(path))

    assert b"".join(chunks) == source.read_bytes()
    assert len(chunks) > 1
    assert len(sharepoint.calls(r"GET .*/\$value")) == 1


def test_reading_a_missing_file_says_so(store: SharePointStore) -> None:
    with pytest.raises(StoredFileMissing):
        store.read(a_path())


def test_describe_sees_a_file_changed_behind_our_back_and_one_deleted(
    store: SharePointStore, sharepoint: FakeSharePoint, tmp_path: Path
) -> None:
    path = a_path()
    stored = store.put(a_file(tmp_path, 1_000), path)
    assert store.describe(path) == Stored(
        path=path,
        size=1_000,
        unique_id=stored.unique_id,
        item_id=stored.item_id,
        version_label="1.0",
        modified_at=stored.modified_at,
    )

    sharepoint.change_behind_the_app(path, b"edited in SharePoint")
    changed = store.describe(path)
    assert changed is not None
    assert (changed.size, changed.version_label) == (len(b"edited in SharePoint"), "2.0")
    assert changed.unique_id == stored.unique_id

    sharepoint.delete_behind_the_app(path)
    assert store.describe(path) is None


def test_remove_deletes_and_a_missing_file_is_no_error(
    store: SharePointStore, sharepoint: FakeSharePoint, tmp_path: Path
) -> None:
    path = a_path()
    store.put(a_file(tmp_path, 100), path)

    store.remove(path)
    store.remove(path)

    assert not sharepoint.exists(path)
    assert [c.status for c in sharepoint.calls("^DELETE")] == [200, 404]


def test_a_path_outside_the_library_is_refused_before_any_request(
    store: SharePointStore, sharepoint: FakeSharePoint, tmp_path: Path
) -> None:
    for path in ("../Other library/x.pdf", "Clients//x.pdf", ""):
        with pytest.raises(StorageError, match="not a path inside"):
            store.put(a_file(tmp_path, 10), path)
    assert sharepoint.requests == []


# --------------------------------------------------------------------------------------------
# Failures: busy (try later) or not, and nothing left behind


def test_a_throttled_upload_is_busy_for_as_long_as_sharepoint_asked_and_leaves_nothing(
    store: SharePointStore, sharepoint: FakeSharePoint, tmp_path: Path
) -> None:
    path = a_path()
    sharepoint.fail(r"/Files/add\(", 429, retry_after="7")

    with pytest.raises(StorageBusy) as busy:
        store.put(a_file(tmp_path, 1_000), path)

    assert busy.value.retry_after == 7
    assert "429" in str(busy.value)
    assert not sharepoint.exists(path)
    assert store.describe(path) is None


@pytest.mark.parametrize(
    ("status", "retry_after", "expected_wait"),
    [(503, None, None), (429, "120", 120.0), (500, "1", 1.0)],
    ids=["503 without a wait", "429 with a long wait", "500"],
)
def test_a_chunked_upload_failing_midway_leaves_no_empty_file(
    store: SharePointStore,
    sharepoint: FakeSharePoint,
    tmp_path: Path,
    status: int,
    retry_after: str | None,
    expected_wait: float | None,
) -> None:
    path = a_path()
    sharepoint.fail(r"continueUpload\(.*fileOffset=131072", status, retry_after=retry_after)

    with pytest.raises(StorageBusy) as busy:
        store.put(a_file(tmp_path, BIG), path)

    assert busy.value.retry_after == expected_wait
    assert len(sharepoint.calls(r"/Files/add\(")) == 1  # the placeholder was made …
    assert not sharepoint.exists(path)  # … and removed again
    assert sharepoint.open_upload_sessions() == 0


def test_a_failed_chunked_overwrite_keeps_the_previous_version(
    store: SharePointStore, sharepoint: FakeSharePoint, tmp_path: Path
) -> None:
    path = a_path()
    first = a_file(tmp_path, BIG)
    store.put(first, path)
    labels = sharepoint.version_labels(path)
    sharepoint.fail("finishUpload", 503)

    with pytest.raises(StorageBusy):
        store.put(a_file(tmp_path, BIG), path)

    assert sharepoint.content(path) == first.read_bytes()
    assert sharepoint.version_labels(path) == labels
    assert sharepoint.open_upload_sessions() == 0  # cancelled


def test_a_throttled_chunk_is_sent_again_after_the_wait_sharepoint_asked_for(
    store: SharePointStore, sharepoint: FakeSharePoint, tmp_path: Path
) -> None:
    source = a_file(tmp_path, BIG)
    path = a_path()
    sharepoint.fail(r"continueUpload\(.*fileOffset=131072", 429, retry_after="1")

    started = time.monotonic()
    store.put(source, path)

    assert time.monotonic() - started >= 1.0
    assert sharepoint.content(path) == source.read_bytes()
    again = sharepoint.calls(r"continueUpload\(.*fileOffset=131072")
    assert [c.status for c in again] == [429, 200]


def test_a_timeout_is_busy(sharepoint: FakeSharePoint, tmp_path: Path) -> None:
    store = SharePointStore(
        sharepoint.site_url, static_token(), chunk_bytes=CHUNK_BYTES, timeout=(2.0, 0.3)
    )
    path = a_path()
    store.put(a_file(tmp_path, 100), path)
    sharepoint.delay(r"/\$value", 1.0)

    with pytest.raises(StorageBusy, match="ReadTimeout"):
        store.read(path)


def test_sharepoint_unreachable_is_busy(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = SharePointStore(f"http://127.0.0.1:{port}/sites/docs", static_token())

    with pytest.raises(StorageBusy, match="ConnectionError"):
        store.put(a_file(tmp_path, 100), a_path())


def test_a_wrong_token_is_an_error_not_a_reason_to_try_again(
    sharepoint: FakeSharePoint, tmp_path: Path
) -> None:
    store = SharePointStore(sharepoint.site_url, static_token("not-a-token-it-issued"))

    with pytest.raises(StorageError) as refused:
        store.put(a_file(tmp_path, 100), a_path())

    assert not isinstance(refused.value, StorageBusy)
    assert "HTTP 401" in str(refused.value) and "Invalid JWT token" in str(refused.value)


def test_access_denied_is_an_error_with_sharepoints_message(
    store: SharePointStore, sharepoint: FakeSharePoint, tmp_path: Path
) -> None:
    sharepoint.fail(r"/Files/add\(", 403)

    with pytest.raises(StorageError) as refused:
        store.put(a_file(tmp_path, 100), a_path())

    assert not isinstance(refused.value, StorageBusy)
    assert "HTTP 403" in str(refused.value) and "Forbidden (injected" in str(refused.value)


# --------------------------------------------------------------------------------------------
# The app's own identity: msal with the certificate


def test_the_certificate_token_is_fetched_once_for_several_operations(
    entra: FakeEntraToken,
    sharepoint: FakeSharePoint,
    registered: AppCertificate,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    settings = certificate_settings(monkeypatch, sharepoint, entra.authority_host, registered)
    path = a_path()

    store = SharePointStore.from_settings(settings)
    store.put(a_file(tmp_path, 100), path)
    SharePointStore.from_settings(settings).describe(path)
    assert b"".join(SharePointStore.from_settings(settings).read(path))
    SharePointStore.from_settings(settings).remove(path)

    assert [(r.status, r.error) for r in entra.requests] == [(200, None)]
    assert entra.requests[0].form["scope"] == f"{sharepoint_resource(sharepoint)}/.default"
    assert len(sharepoint.calls("contextinfo")) == 1
    assert not sharepoint.exists(path)


def test_a_certificate_the_directory_does_not_know_is_refused(
    entra: FakeEntraToken,
    sharepoint: FakeSharePoint,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    stranger = app_certificate(tmp_path, "stranger.pem")
    settings = certificate_settings(monkeypatch, sharepoint, entra.authority_host, stranger)

    with pytest.raises(StorageError) as refused:
        SharePointStore.from_settings(settings).put(a_file(tmp_path, 100), a_path())

    assert not isinstance(refused.value, StorageBusy)
    assert "invalid_client" in str(refused.value) and "AADSTS700027" in str(refused.value)
    assert sharepoint.requests == []


def test_without_a_certificate_sharepoint_storage_is_refused_clearly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_for(
        monkeypatch,
        MTKCARE_DOCUMENT_STORAGE="sharepoint",
        SHAREPOINT_SITE_URL="https://contoso.sharepoint.com/sites/care",
        AZURE_TENANT_ID=TENANT,
        AZURE_CLIENT_ID=CLIENT_ID,
        AZURE_CLIENT_SECRET="a-secret-sharepoint-will-not-take",
    )

    with pytest.raises(StorageError, match="AZURE_CLIENT_CERT_PATH.*client secret"):
        SharePointStore.from_settings(settings)


# --------------------------------------------------------------------------------------------
# The fake itself, for the library calls the store does not make (yet)


def test_the_fake_keeps_versions_list_items_and_a_recycle_bin_like_sharepoint(
    store: SharePointStore, sharepoint: FakeSharePoint, tmp_path: Path
) -> None:
    path = a_path()
    first = store.put(a_file(tmp_path, 100), path)
    store.put(a_file(tmp_path, 200), path)
    ctx = ClientContext(sharepoint.site_url).with_access_token(static_token())
    file = ctx.web.get_file_by_server_relative_url(f"{store.library_url}/{path}")

    versions = file.versions.get().execute_query()
    item = file.listItemAllFields.select(["Id"]).get().execute_query()
    assert [(v.version_label, v.properties["Size"]) for v in versions] == [("1.0", 100)]
    assert str(item.id) == first.item_id

    file.recycle().execute_query()
    assert not sharepoint.exists(path)
