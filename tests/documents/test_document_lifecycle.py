"""A document's life through the services and the store job: pending → available (or failed,
with the uploader told and nothing left behind), new versions superseding old ones, who sees
confidential documents, soft delete and restore — each access in the document's history."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import col, select

from mtkcare.auth.service import Principal
from mtkcare.db import session_scope
from mtkcare.documents.models import Document, DocumentAuditLog
from mtkcare.documents.service import (
    access_choices,
    access_history,
    change_access,
    delete_document,
    list_documents,
    restore_document,
)
from mtkcare.errors import NotAllowed, NotFound, ValidationFailed
from mtkcare.jobs.queue import Queue
from mtkcare.notifications.models import Notification
from mtkcare.reference.service import ensure_reference_data
from tests.documents.conftest import PDF, upload
from tests.factories import SYSTEM, join_team, make_client, make_program, make_referral
from tests.support.jobs import drain


def _doc(document_id: int) -> Document:
    with session_scope() as db:
        found = db.exec(
            select(Document)
            .where(Document.id == document_id)
            .execution_options(include_deleted=True)
        ).one()
        return found


def _client_id() -> int:
    with session_scope() as db:
        ensure_reference_data(db)
        client = make_client(db, None, last_name=f"Xwlife{uuid.uuid4().hex[:6]}", phone=None)
        assert client.id is not None
        return client.id


def test_a_new_version_supersedes_the_old_one_only_once_it_is_stored(
    store: Path, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    worker = staff("Case worker")
    client_id = _client_id()
    first = upload(worker, client_id=client_id, title="Housing assessment")
    drain(jobs.huey)
    second = upload(worker, PDF + b"% v2\n", replaces_id=first)
    # Until the new version is stored, the old one stays current.
    assert _doc(first).superseded_by_id is None
    with session_scope() as db:
        shown = list_documents(db, worker, client_id=client_id)
    assert [(d.id, d.status) for d in shown] == [(second, "PENDING"), (first, "AVAILABLE")]

    drain(jobs.huey)
    old, new = _doc(first), _doc(second)
    assert (old.superseded_by_id, new.previous_version_id, new.version) == (second, first, 2)
    assert (new.title, new.document_type, new.client_id) == (
        "Housing assessment",
        "ASSESSMENT",
        client_id,
    )
    with session_scope() as db:
        current = list_documents(db, worker, client_id=client_id)
        versions = list_documents(db, worker, versions_of=first)
    assert [d.id for d in current] == [second]
    assert sorted((d.version, d.superseded) for d in versions) == [(1, True), (2, False)]
    with pytest.raises(ValidationFailed, match="newer version"):
        upload(worker, replaces_id=first)


def test_a_file_the_store_never_takes_fails_visibly_tells_the_uploader_and_leaves_nothing(
    store: Path, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    worker = staff("Case worker")
    client_id = _client_id()
    # The documents folder cannot be made: every attempt to store fails.
    (store / "documents").write_text("not a folder")
    document_id = upload(worker, client_id=client_id)
    drain(jobs.huey)
    failed = _doc(document_id)
    assert failed.status == "FAILED"
    assert (failed.failure_reason or "").startswith("Could not be stored")
    assert [p for p in (store / "uploads").rglob("*") if p.is_file()] == []
    with session_scope() as db:
        told = db.exec(
            select(Notification).where(
                Notification.recipient_id == worker.user_id,
                Notification.kind == "document.failed",
            )
        ).all()
        shown = list_documents(db, worker, client_id=client_id)
    assert len(told) == 1 and told[0].resource_id == str(document_id)
    assert str(store) not in (told[0].body or "")  # no server folder names
    assert [(d.status_label, d.can_open) for d in shown] == [("Failed", False)]


def test_confidential_documents_are_seen_by_named_staff_and_the_clients_worker_only(
    store: Path, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    lead, other_lead, worker, auditor = (
        staff("Team lead"), staff("Team lead"), staff("Case worker"), staff("Compliance auditor"),
    )  # fmt: skip
    client_id = _client_id()
    with session_scope() as db:
        program = make_program(db, name=f"Confidential {uuid.uuid4().hex[:6]}")
        join_team(db, program, worker)
        make_referral(
            db, SYSTEM, client_id=client_id, target_program_id=program.id,
            assigned_staff_id=worker.user_id,
        )  # fmt: skip
    document_id = upload(lead, client_id=client_id, access_level="CONFIDENTIAL")
    drain(jobs.huey)

    def sees(who: Principal) -> bool:
        with session_scope() as db:
            return [d.id for d in list_documents(db, who, client_id=client_id)] == [document_id]

    assert sees(lead) and sees(worker)  # the uploader is named; the worker is the client's
    assert not sees(other_lead) and not sees(auditor)
    with session_scope() as db:
        change_access(
            db, lead, document_id, access_level="CONFIDENTIAL", named_staff=[other_lead.user_id]
        )
    assert sees(other_lead) and not sees(auditor)
    with session_scope() as db:
        named, people = access_choices(db, lead, document_id)
    assert set(named) == {lead.user_id, other_lead.user_id}
    assert {lead.user_id, other_lead.user_id} <= {i for i, _name in people}
    with session_scope() as db:
        change_access(db, lead, document_id, access_level="RESTRICTED")
    assert sees(auditor) and sees(other_lead)
    with pytest.raises(NotAllowed), session_scope() as db:
        change_access(db, worker, document_id, access_level="STANDARD")


def test_deleting_hides_a_document_and_every_version_and_restoring_brings_them_back(
    store: Path, jobs: Queue, staff: Callable[..., Principal]
) -> None:
    lead, worker = staff("Team lead"), staff("Case worker")
    client_id = _client_id()
    first = upload(worker, client_id=client_id)
    drain(jobs.huey)
    second = upload(worker, PDF + b"%2\n", replaces_id=first)
    drain(jobs.huey)
    with pytest.raises(NotAllowed), session_scope() as db:
        delete_document(db, worker, second)
    with session_scope() as db:
        delete_document(db, lead, second)
    assert _doc(first).is_deleted and _doc(second).is_deleted
    with session_scope() as db:
        assert list_documents(db, worker, client_id=client_id) == []
        assert [
            d.id for d in list_documents(db, lead, client_id=client_id, include_deleted=True)
        ] == [second]  # the current version stands for the document
    with pytest.raises(NotFound), session_scope() as db:
        access_history(db, lead, second)
    with session_scope() as db:
        restore_document(db, lead, second)
    with session_scope() as db:
        assert [d.id for d in list_documents(db, worker, client_id=client_id)] == [second]
        history = access_history(db, lead, second)
    assert [(line[2], line[3]) for line in history][:4] == [
        ("Restored", "v2"),
        ("Restored", "v1"),
        ("Deleted", "v2"),
        ("Deleted", "v1"),
    ]
    with session_scope() as db:
        actions = db.exec(
            select(DocumentAuditLog.action).where(
                col(DocumentAuditLog.document_id).in_([first, second])
            )
        ).all()
    assert sorted(actions) == sorted(
        ["UPLOAD", "NEW_VERSION", "DELETE", "DELETE", "RESTORE", "RESTORE"]
    )
