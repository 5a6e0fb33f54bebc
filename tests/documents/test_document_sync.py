"""The metadata sync (``documents.sync``): each available document's record is compared with
what its store holds now, and a file deleted or changed behind the app's back is reported in
words on the record (and audited when the finding changes), for administrators to see on the
jobs page. With the local folder and with SharePoint (local stand-ins, real HTTP); a throttled
SharePoint is waited out and the run resumes where it stopped."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from mtkcare.audit.models import AuditLog
from mtkcare.auth.service import Principal
from mtkcare.db import session_scope, utcnow
from mtkcare.documents.models import Document
from mtkcare.documents.service import accept_upload
from mtkcare.documents.sync import DOCUMENT_SYNC, check_documents_now, documents_out_of_step
from mtkcare.documents.validation import kind_of
from mtkcare.errors import DomainError, NotAllowed
from mtkcare.jobs.models import Job, JobStatus
from mtkcare.jobs.queue import Queue
from mtkcare.reference.service import ensure_reference_data
from mtkcare.settings import get_settings
from tests.factories import make_client
from tests.fakes.sharepoint import FakeSharePoint
from tests.support.jobs import drain
from tests.support.web import Person

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n%%EOF\n"


@pytest.fixture
def local_store(store: Path) -> Path:
    """The local store's documents folder."""
    return store / "documents"


@pytest.fixture(autouse=True)
def no_check_left_waiting(pg_url: str) -> Iterator[None]:
    """A test that fails midway may leave its check queued, and "Check now" starts one run at
    a time: close it, so the next test's failure is its own."""
    yield
    with session_scope(url=pg_url) as db:
        db.execute(
            sa.update(Job)
            .where(
                col(Job.name) == DOCUMENT_SYNC,
                col(Job.status).in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
            )
            .values(status=JobStatus.FAILED.value, last_error="left behind by a test")
        )


def _stored_documents(jobs: Queue, worker: Principal, *bodies: bytes) -> list[Document]:
    """Documents uploaded for a new client and stored by the ``documents.store`` job."""
    with session_scope() as db:
        ensure_reference_data(db)
        client = make_client(db, None, last_name=f"Xwsync{uuid.uuid4().hex[:6]}", phone=None)
    ids = []
    for n, body in enumerate(bodies):
        folder = Path(get_settings().uploads_path) / uuid.uuid4().hex
        folder.mkdir(parents=True)
        source = folder / "upload.bin"
        source.write_bytes(body)
        with session_scope() as db:
            document = accept_upload(
                db, worker,
                {"client_id": client.id, "document_type": "ASSESSMENT", "title": f"Scan {n}"},
                source=source, file_name="scan.pdf", kind=kind_of(body), size=len(body),
                sha256=hashlib.sha256(body).hexdigest(),
            )  # fmt: skip
            ids.append(document.id)
    drain(jobs.huey)
    documents = [_reload(i) for i in ids]
    assert [d.status for d in documents] == ["AVAILABLE"] * len(bodies)
    return documents


def _reload(document_id: int | None) -> Document:
    with session_scope() as db:
        found = db.get(Document, document_id, execution_options={"include_deleted": True})
        assert found is not None
        return found


def _check_now(who: Principal) -> Job:
    with session_scope() as db:
        return check_documents_now(db, who)


def _sync_jobs() -> list[Job]:
    with session_scope() as db:
        return list(db.exec(select(Job).where(Job.name == DOCUMENT_SYNC).order_by(col(Job.id))))


def _finding_events(document_id: int | None) -> list[AuditLog]:
    """The audit rows of the sync's findings about one document."""
    with session_scope() as db:
        return list(
            db.exec(
                select(AuditLog)
                .where(
                    AuditLog.resource == "Document",
                    AuditLog.resource_id == str(document_id),
                    AuditLog.action == "UPDATE",
                    col(AuditLog.detail).startswith("metadata sync"),
                )
                .order_by(col(AuditLog.id))
            )
        )


def test_the_local_folder_check_finds_a_deleted_file_missing_and_a_resized_one_changed(
    local_store: Path, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    worker, admin = staff("Case worker"), staff("Administrator")
    resized_body, edited_body = PDF + b"% two\n", PDF + b"% two, edited by hand\n"
    deleted, resized, untouched = _stored_documents(
        jobs, worker, PDF + b"% one\n", resized_body, PDF + b"% three\n"
    )
    (local_store / deleted.storage_path).unlink()
    (local_store / resized.storage_path).write_bytes(edited_body)
    asked_at = utcnow()

    run = _check_now(admin)
    drain(jobs.huey)

    assert _sync_jobs()[-1].status == JobStatus.DONE.value and run.requested_by == admin.user_id
    missing, changed, agreeing = _reload(deleted.id), _reload(resized.id), _reload(untouched.id)
    assert missing.sync_finding == "Missing: there is no file at its path in the documents folder."
    assert changed.sync_finding == (
        f"Changed in the documents folder: it holds {len(edited_body):,} bytes "
        f"(the record says {len(resized_body):,})."
    )
    assert agreeing.sync_finding == ""
    assert all(d.last_synced_at and d.last_synced_at >= asked_at for d in (missing, agreeing))
    # The sync's notes are not an edit of the document: its "last updated" stays, and only a
    # finding that changed leaves an audit row.
    assert agreeing.updated_at == untouched.updated_at
    assert _finding_events(untouched.id) == []
    assert [e.changes for e in _finding_events(deleted.id)] == [
        {"sync_finding": ["", missing.sync_finding]}
    ]


def test_a_finding_clears_when_the_file_is_back_as_it_was(
    local_store: Path, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    worker, admin = staff("Case worker"), staff("Administrator")
    (document,) = _stored_documents(jobs, worker, PDF)
    kept = (local_store / document.storage_path).read_bytes()
    (local_store / document.storage_path).unlink()
    _check_now(admin)
    drain(jobs.huey)
    assert (_reload(document.id).sync_finding or "").startswith("Missing")

    (local_store / document.storage_path).write_bytes(kept)
    _check_now(admin)
    drain(jobs.huey)

    assert _reload(document.id).sync_finding == ""
    cleared = _finding_events(document.id)[-1]
    assert cleared.detail == "metadata sync: the store agrees with the record again"
    with session_scope() as db:
        shown = documents_out_of_step(db, admin)
    assert document.id not in [line.id for line in shown.lines]


def test_sharepoint_edits_and_deletions_behind_the_app_are_found(
    on_sharepoint: FakeSharePoint, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    worker, admin = staff("Case worker"), staff("Administrator")
    first_body, changed_body = PDF + b"% one\n", PDF + b"% one, with notes added\n"
    edited, deleted, untouched = _stored_documents(
        jobs, worker, first_body, PDF + b"% two\n", PDF + b"% three\n"
    )
    assert edited.sharepoint_version_label == "1.0"
    on_sharepoint.change_behind_the_app(edited.storage_path, changed_body)
    on_sharepoint.delete_behind_the_app(deleted.storage_path)

    _check_now(admin)
    drain(jobs.huey)

    assert _sync_jobs()[-1].status == JobStatus.DONE.value
    assert _reload(edited.id).sync_finding == (
        "Changed in SharePoint: its version moved on to 2.0 (the record has 1.0); "
        f"it holds {len(changed_body):,} bytes (the record says {len(first_body):,})."
    )
    assert (
        _reload(deleted.id).sync_finding == "Missing: there is no file at its path in SharePoint."
    )
    assert _reload(untouched.id).sync_finding == ""
    # The record still describes what was uploaded: the sync reports, it does not adopt.
    assert _reload(edited.id).sharepoint_version_label == "1.0"


def test_a_throttled_sharepoint_is_waited_out_and_the_run_resumes_where_it_stopped(
    on_sharepoint: FakeSharePoint, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    worker, admin = staff("Case worker"), staff("Administrator")
    first, second = _stored_documents(jobs, worker, PDF + b"% one\n", PDF + b"% two\n")
    on_sharepoint.delete_behind_the_app(first.storage_path)
    describe = r"^GET .*getFileByServerRelativePath\(DecodedUrl='[^']*/{}'\)\?"
    first_asked = describe.format(re.escape(first.storage_path))
    second_asked = describe.format(re.escape(second.storage_path))
    on_sharepoint.fail(second_asked, 429, retry_after="1")
    asked_before = len(on_sharepoint.calls(first_asked))  # the store job asked once

    _check_now(admin)
    task = jobs.huey.dequeue()
    assert task is not None
    before = utcnow()
    jobs.huey.execute(task)

    waiting = _sync_jobs()[-1]
    assert (waiting.status, waiting.attempts) == (JobStatus.QUEUED.value, 1)
    assert 0.8 < (waiting.next_attempt_at - before).total_seconds() < 2.5
    assert "429" in (waiting.last_error or "")
    # What was checked before SharePoint said "wait" is kept.
    assert (_reload(first.id).sync_finding or "").startswith("Missing")
    assert _reload(second.id).last_synced_at == second.last_synced_at

    drain(jobs.huey)
    assert _sync_jobs()[-1].status == JobStatus.DONE.value
    assert _reload(second.id).sync_finding == ""
    # The retry did not ask about the first document again.
    assert len(on_sharepoint.calls(first_asked)) == asked_before + 1


def test_a_file_sharepoint_refuses_to_describe_keeps_its_finding_and_fails_the_run_visibly(
    on_sharepoint: FakeSharePoint, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    worker, admin = staff("Case worker"), staff("Administrator")
    refused, deleted = _stored_documents(jobs, worker, PDF + b"% one\n", PDF + b"% two\n")
    on_sharepoint.delete_behind_the_app(deleted.storage_path)
    asked = r"^GET .*getFileByServerRelativePath\(DecodedUrl='[^']*/{}'\)\?"
    on_sharepoint.fail(asked.format(re.escape(refused.storage_path)), 403)

    _check_now(admin)
    drain(jobs.huey)

    run = _sync_jobs()[-1]
    assert (run.status, run.attempts) == (JobStatus.FAILED.value, 1)  # a refusal: no retry
    assert f"could not check 1 document; the first, document {refused.id}: " in (
        run.last_error or ""
    )
    assert "403" in (run.last_error or "")
    # The others were still compared; the refused one keeps what it had.
    assert (_reload(deleted.id).sync_finding or "").startswith("Missing")
    assert _reload(refused.id).last_synced_at == refused.last_synced_at


def test_administrators_see_where_an_out_of_step_document_is_but_not_what_it_is(
    local_store: Path, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    worker, admin = staff("Case worker"), staff("Administrator")
    (document,) = _stored_documents(jobs, worker, PDF)
    (local_store / document.storage_path).unlink()
    _check_now(admin)
    drain(jobs.huey)

    with session_scope() as db:
        shown = documents_out_of_step(db, admin)
    (line,) = [line for line in shown.lines if line.id == document.id]
    folder = document.storage_path.rpartition("/")[0]
    assert (line.store, line.path) == ("the documents folder", f"{folder}/…")
    assert line.finding.startswith("Missing") and line.checked
    assert shown.last_complete_check and shown.total >= len(shown.lines) >= 1
    # Where it is and what is wrong: no title, type or client (administrators do not hold
    # document.view).
    assert set(line.__dict__) == {"id", "store", "path", "finding", "checked"}
    with session_scope() as db:
        listed = db.exec(
            select(AuditLog).where(AuditLog.action == "LIST", AuditLog.user_id == admin.user_id)
        ).all()
    assert document.id in listed[-1].changes["ids"]  # type: ignore[index]


def test_check_now_starts_one_run_at_a_time(
    local_store: Path, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    admin = staff("Administrator")
    waiting = _check_now(admin)
    with pytest.raises(DomainError, match=f"job #{waiting.id}"):
        _check_now(admin)
    drain(jobs.huey)
    assert _check_now(admin).id != waiting.id
    drain(jobs.huey)


def test_without_the_jobs_permission_nobody_sees_the_findings_or_starts_a_check(
    local_store: Path, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    lead = staff("Team lead")  # sees documents, does not manage jobs
    before = len(_sync_jobs())
    with pytest.raises(NotAllowed), session_scope() as db:
        documents_out_of_step(db, lead)
    with pytest.raises(NotAllowed), session_scope() as db:
        check_documents_now(db, lead)
    assert len(_sync_jobs()) == before


@pytest.mark.parametrize(("minutes", "starts"), [("1", True), ("0", False)])
def test_the_schedule_starts_the_sync_every_so_many_minutes_and_never_when_off(
    local_store: Path, jobs: Queue, monkeypatch: pytest.MonkeyPatch, minutes: str, starts: bool
) -> None:
    monkeypatch.setenv("MTKCARE_DOCUMENT_SYNC_MINUTES", minutes)
    get_settings.cache_clear()
    before = len(_sync_jobs())
    # What Huey's scheduler does each minute: enqueue the periodic tasks due now.
    (tick,) = [t for t in jobs.huey.read_periodic(None) if t.name == "mtkcare.document_sync"]
    jobs.huey.enqueue(tick)
    drain(jobs.huey)
    started = _sync_jobs()[before:]
    assert [j.status for j in started] == ([JobStatus.DONE.value] if starts else [])


def test_documents_not_available_or_deleted_are_not_checked(
    local_store: Path, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    worker, admin = staff("Case worker"), staff("Administrator")
    deleted, failed = _stored_documents(jobs, worker, PDF + b"% a\n", PDF + b"% b\n")
    with session_scope() as db:
        db.execute(
            sa.update(Document).where(col(Document.id) == deleted.id).values(is_deleted=True)
        )
        db.execute(sa.update(Document).where(col(Document.id) == failed.id).values(status="FAILED"))
    for document in (deleted, failed):
        (local_store / document.storage_path).unlink()
    _check_now(admin)
    drain(jobs.huey)
    for document in (deleted, failed):
        after = _reload(document.id)
        assert (after.sync_finding, after.last_synced_at) == (None, document.last_synced_at)


def test_without_the_jobs_permission_the_sync_sections_handlers_change_nothing(
    jobs: Queue, backend: str, person: Person
) -> None:
    from tests.auth.test_every_handler_is_guarded import app_handlers
    from tests.support.web import Tab, session_cookie, sign_in

    names = {n.rsplit(".", 1)[-1]: n for n, _ in app_handlers() if "___document_sync_state." in n}
    names.pop("setvar", None)  # Reflex's own, walked by tests/auth
    assert set(names) == {"load", "check_now"}  # a new one must be walked here
    before = len(_sync_jobs())
    lead = person("Team lead")
    token = session_cookie(sign_in(backend, lead.username))
    with Tab(backend, cookie=token) as tab:
        for name, full in sorted(names.items()):
            received = tab.send(full, {}, pathname="/admin/jobs")
            assert "You are not allowed to do that." in json.dumps(received), (name, received)
            assert "out_of_step" not in json.dumps(received), (name, received)
    assert len(_sync_jobs()) == before
