"""The job that moves an uploaded file from its private upload folder into the document store.

``documents.store`` runs after the upload's transaction commits. It puts the bytes in the store
(``put`` overwrites, so a retried or re-run attempt — after a consumer was killed mid-upload —
is safe), checks the stored checksum, and only then marks the record available (and the
version it replaces superseded) and tells the referral's worker. A store that is busy
(throttled, unavailable) is tried again later: after its ``Retry-After`` when it gave one,
else the queue's exponential back-off, up to the job's attempts. A store that refuses, or the
last attempt failing, marks the record failed with the reason, removes anything stored under
its path and the uploaded file, and tells the uploader.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from sqlmodel import Session, col, select

from mtkcare.db import session_scope, utcnow
from mtkcare.documents.models import Document, DocumentStatus
from mtkcare.documents.storage import StorageBusy, StorageError, get_store
from mtkcare.jobs.models import Job
from mtkcare.jobs.queue import GiveUp, TryLater, job
from mtkcare.notifications.service import NoticeKind, notify
from mtkcare.referrals.models import Referral
from mtkcare.referrals.moves import referral_link
from mtkcare.settings import get_settings
from mtkcare.ui import routes

log = logging.getLogger(__name__)


def document_link(document: Document) -> str:
    if document.referral_id is not None:
        return referral_link(document.referral_id)
    return f"{routes.CLIENT}?id={document.client_id}&tab=documents"


def _forget_upload(source: str) -> None:
    """Remove an upload's private folder (its file has been stored, or never will be)."""
    folder = Path(source).parent
    root = Path(get_settings().uploads_path).resolve()
    if folder.resolve().is_relative_to(root) and folder.resolve() != root:
        shutil.rmtree(folder, ignore_errors=True)


def _lost_upload(db: Session, job: Job) -> None:
    """Out of attempts (or refused): the record fails visibly, nothing stays in the store."""
    document_id = int(job.args.get("document_id", 0))
    document = db.exec(
        select(Document).where(col(Document.id) == document_id).with_for_update()
    ).first()
    source = str(job.args.get("source", ""))
    if source:
        _forget_upload(source)
    if document is None or document.status != DocumentStatus.PENDING.value:
        return
    try:
        get_store().remove(document.storage_path)
    except StorageError:
        log.warning("document %s: could not tidy %s", document.id, document.storage_path)
    reason = (job.last_error or "the store did not take the file").split(": ", 1)[-1]
    document.status = DocumentStatus.FAILED.value
    document.failure_reason = f"Could not be stored: {reason}"[:500]
    db.add(document)
    notify(
        db,
        [document.created_by],
        kind=NoticeKind.DOCUMENT_FAILED,
        title=f"“{document.title}” could not be stored",
        body=document.failure_reason,
        link=document_link(document),
        resource="Document",
        resource_id=document.id,
    )


@job("documents.store", label="Store an uploaded document", on_failure=_lost_upload)
def store_document(document_id: int, source: str) -> None:
    with session_scope() as db:
        document = db.get(Document, document_id)
        if document is None or document.status != DocumentStatus.PENDING.value:
            _forget_upload(source)
            return
        path, expected = document.storage_path, document.checksum_sha256
    if not Path(source).is_file():
        raise GiveUp("the uploaded file is gone from the upload folder")
    store = get_store()
    try:
        stored = store.put(Path(source), path)
    except StorageBusy as exc:
        raise TryLater(str(exc), exc.retry_after) from exc
    except StorageError as exc:
        raise GiveUp(str(exc)) from exc
    if stored.sha256 is not None and expected and stored.sha256 != expected:
        store.remove(path)
        raise GiveUp("the stored file's checksum does not match the upload's")
    with session_scope() as db:
        document = db.exec(
            select(Document).where(col(Document.id) == document_id).with_for_update()
        ).one()
        if document.status != DocumentStatus.PENDING.value:
            return
        document.status = DocumentStatus.AVAILABLE.value
        document.sharepoint_unique_id = stored.unique_id
        document.sharepoint_item_id = stored.item_id
        document.sharepoint_version_label = stored.version_label
        document.last_synced_at = utcnow()
        db.add(document)
        if document.previous_version_id is not None:
            previous = db.get(Document, document.previous_version_id)
            if previous is not None and previous.superseded_by_id is None:
                previous.superseded_by_id = document.id
                previous.superseded_at = utcnow()
                db.add(previous)
        _tell_staff(db, document)
    _forget_upload(source)


def _tell_staff(db: Session, document: Document) -> None:
    """The referral's worker hears of a new document on it (not the person who added it)."""
    if document.referral_id is None:
        return
    referral = db.get(Referral, document.referral_id)
    if referral is None:
        return
    notify(
        db,
        [referral.assigned_staff_id],
        kind=NoticeKind.DOCUMENT_ADDED,
        title=f"New document on {referral.tracking_id}: “{document.title}”",
        link=referral_link(referral.id),
        resource="Document",
        resource_id=document.id,
        not_to=document.created_by,
    )
