"""The design document's "SharePoint Document Sync": compare each stored document's record
with what its store holds now, and say where they disagree.

Anyone with access to the SharePoint library (or to the server's documents folder) can edit or
delete a file behind the app's back. The record would then promise bytes that are no longer
there, and nobody would know until a worker tried to open the document. So ``documents.sync``
(every ``MTKCARE_DOCUMENT_SYNC_MINUTES``, and when an administrator presses "Check now" on the
jobs page) asks the configured store to ``describe`` every available document kept there, and
compares:

- nothing at the path: the file is **missing**;
- SharePoint's UniqueId is not the recorded one: a **different file** now has its name (it was
  deleted and another uploaded in its place);
- SharePoint's version label is not the recorded one: it was **edited** there (version moved on);
- the size is not the recorded one: it was **changed** there.

A local file changed without changing its size is not caught: proving the bytes the same would
mean reading every file in the store on every run. The download route's checksum check
catches it when the document is opened.

What it records: ``last_synced_at`` and ``sync_finding`` (a short sentence, "" when record and
store agree), written with a plain UPDATE rather than through the ORM, because they are the
sync's notes on the record, not a change to the document: they must not move the document's
``updated_at`` nor add an audit row per document per run. A finding that appears, changes or
clears is audited (one event for that document), so the trail says when a file went missing.
Nothing is repaired: a finding is for a person (restore the file from the library's version
history or recycle bin, or upload a new version).

How a run goes: documents in id order, ``BATCH`` at a time (a cursor by id, never all at once),
each batch committed when checked, and no transaction open while the store is asked. A run
checks the documents not checked since its ``as of`` time: the start of the current sync
period for a scheduled run, the moment it was asked for "Check now". A store that is busy
(throttled, unavailable) stops the run with ``TryLater`` (after its ``Retry-After``); the retry
skips what was already checked, so a throttled library is worked through, not restarted. A
document the store refuses to describe keeps its previous finding, and the run then fails
(visibly, on the jobs page) naming it, as the Azure group sync does when Graph cannot answer;
a whole batch refused is the store refusing us (its sign-in, its settings), so the run stops
there rather than ask about every file in vain.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from mtkcare import dates
from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event, record_shown
from mtkcare.auth.access import reads, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.db import audit_resource_name, session_scope, utcnow
from mtkcare.documents.models import Document, DocumentStatus, StorageBackend
from mtkcare.documents.storage import StorageBusy, StorageError, Stored, get_store
from mtkcare.errors import DomainError
from mtkcare.jobs.models import Job, JobStatus
from mtkcare.jobs.queue import GiveUp, TryLater, enqueue, job
from mtkcare.settings import get_settings

log = logging.getLogger(__name__)

DOCUMENT_SYNC = "documents.sync"
BATCH = 200
LIST_LIMIT = 200
FINDING_CHARS = 300  # common_document.sync_finding

STORE_NAMES = {
    StorageBackend.LOCAL.value: "the documents folder",
    StorageBackend.SHAREPOINT.value: "SharePoint",
}


# --- the comparison ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    """What the sync needs of a document (read in one short transaction, compared outside)."""

    id: int
    path: str
    size: int
    unique_id: str | None
    version_label: str | None
    finding: str | None


def _finding(record: _Record, stored: Stored | None, store_name: str) -> str:
    """The plain-English finding for one document: "" when the store agrees with the record."""
    where = STORE_NAMES.get(store_name, "its store")
    if stored is None:
        return f"Missing: there is no file at its path in {where}."
    changes: list[str] = []
    if (
        record.unique_id
        and stored.unique_id
        and record.unique_id.strip("{}").lower() != stored.unique_id.strip("{}").lower()
    ):
        changes.append(
            "a different file now has its name (its SharePoint id is not the recorded one)"
        )
    if (
        record.version_label
        and stored.version_label
        and record.version_label != stored.version_label
    ):
        changes.append(
            f"its version moved on to {stored.version_label} (the record has {record.version_label})"
        )
    if stored.size != record.size:
        changes.append(f"it holds {stored.size:,} bytes (the record says {record.size:,})")
    if not changes:
        return ""
    return f"Changed in {where}: {'; '.join(changes)}."[:FINDING_CHARS]


# --- the job ----------------------------------------------------------------------------


def _as_of(since: str | None) -> datetime:
    """When this run's checks count from: what "Check now" asked for, else the start of the
    current sync period (scheduled runs start on minutes of the day divisible by the period,
    as the queue's schedule does), so a retried run skips what it already checked."""
    if since:
        moment = datetime.fromisoformat(since)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    now = utcnow()
    minutes = get_settings().document_sync_minutes
    if not minutes:
        return now
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    minute_of_day = now.hour * 60 + now.minute
    return midnight + timedelta(minutes=minute_of_day - minute_of_day % minutes)


def _next_batch(backend: str, as_of: datetime, after: int) -> list[_Record]:
    """The next ``BATCH`` documents after id ``after`` that this run has still to check."""
    with session_scope() as db:
        rows = db.exec(
            select(Document)
            .where(
                col(Document.id) > after,
                Document.storage_backend == backend,
                Document.status == DocumentStatus.AVAILABLE.value,
                col(Document.is_deleted).is_(False),
                sa.or_(
                    col(Document.last_synced_at).is_(None),
                    col(Document.last_synced_at) < as_of,
                ),
            )
            .order_by(col(Document.id))
            .limit(BATCH)
        ).all()
        return [
            _Record(
                id=d.id or 0,
                path=d.storage_path,
                size=d.size_bytes,
                unique_id=d.sharepoint_unique_id,
                version_label=d.sharepoint_version_label,
                finding=d.sync_finding,
            )
            for d in rows
        ]


@dataclass(frozen=True)
class _Checked:
    record: _Record
    finding: str
    at: datetime


def _keep(checked: list[_Checked]) -> None:
    """Write what was checked, in one transaction; audit the findings that changed."""
    if not checked:
        return
    table = Document.__table__  # type: ignore[attr-defined]
    with session_scope() as db:
        db.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("document_id"))
            .values(
                last_synced_at=sa.bindparam("checked_at"),
                sync_finding=sa.bindparam("finding"),
            ),
            [
                {"document_id": c.record.id, "checked_at": c.at, "finding": c.finding}
                for c in checked
            ],
        )
        for c in checked:
            before = c.record.finding or ""
            if before == c.finding:
                continue
            record_event(
                db,
                AuditAction.UPDATE,
                audit_resource_name(Document),
                resource_id=c.record.id,
                detail=f"metadata sync: {c.finding or 'the store agrees with the record again'}",
                changes={"sync_finding": [before, c.finding]},
            )


@job(DOCUMENT_SYNC, label="Compare documents with their store")
def sync_documents(since: str | None = None) -> None:
    """Compare the documents not checked since ``since`` (ISO time; none: since the current
    sync period began) with the configured store. Scheduled runs pass nothing, so a retry
    resumes; "Check now" passes the moment it was asked."""
    try:
        store = get_store()
    except StorageError as exc:  # not configured: nothing a retry would change
        raise GiveUp(str(exc)) from exc
    as_of = _as_of(since)
    after, seen = 0, 0
    unchecked: list[tuple[int, str]] = []
    while batch := _next_batch(store.name, as_of, after):
        checked: list[_Checked] = []
        try:
            for record in batch:
                try:
                    stored = store.describe(record.path)
                except StorageBusy:
                    raise
                except StorageError as exc:  # this one file: keep its previous finding
                    unchecked.append((record.id, str(exc)))
                    continue
                checked.append(_Checked(record, _finding(record, stored, store.name), utcnow()))
        except StorageBusy as exc:
            _keep(checked)
            raise TryLater(
                f"the store is busy ({seen + len(checked)} documents checked in this attempt): "
                f"{exc}",
                exc.retry_after,
            ) from exc
        _keep(checked)
        seen += len(checked)
        after = batch[-1].id
        if not checked:  # a whole batch refused: the store (its sign-in, its settings), not files
            break
    log.info("document sync: %s documents compared with %s", seen, store.name)
    if unchecked:
        first_id, why = unchecked[0]
        count = f"{len(unchecked)} document" + ("" if len(unchecked) == 1 else "s")
        raise GiveUp(f"could not check {count}; the first, document {first_id}: {why}")


# --- what administrators see -------------------------------------------------------------


@dataclass(frozen=True)
class OutOfStep:
    """A document whose store disagrees with its record: where it is, never what it is (the
    title, type and client stay with those who may see the document)."""

    id: int
    store: str
    path: str
    finding: str
    checked: str


@dataclass(frozen=True)
class OutOfStepList:
    lines: list[OutOfStep]
    total: int
    last_complete_check: str  # when a run last finished ("" if none is kept)
    schedule: str


def _schedule() -> str:
    minutes = get_settings().document_sync_minutes
    if not minutes:
        return "The scheduled check is off (MTKCARE_DOCUMENT_SYNC_MINUTES is 0)."
    return f"Checked every {minutes} minutes."


@reads(Permission.JOBS_MANAGE)
def documents_out_of_step(session: Session, actor: Principal) -> OutOfStepList:
    """The documents the last checks found out of step with their store, newest check first.
    Administrators manage the sync but do not hold document.view, so a line says where the
    file is and what is wrong with it, not what it is."""
    out_of_step = (
        col(Document.is_deleted).is_(False),
        col(Document.sync_finding).is_not(None),
        col(Document.sync_finding) != "",
    )
    rows = session.exec(
        select(Document)
        .where(*out_of_step)
        .order_by(col(Document.last_synced_at).desc(), col(Document.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    total = session.exec(select(func.count()).select_from(Document).where(*out_of_step)).one()
    finished = session.exec(
        select(func.max(Job.finished_at)).where(
            Job.name == DOCUMENT_SYNC, Job.status == JobStatus.DONE.value
        )
    ).one()
    lines = [
        OutOfStep(
            id=d.id or 0,
            store=STORE_NAMES.get(d.storage_backend, d.storage_backend),
            # The folder only: the file's name carries the document's title, which an
            # administrator (no document.view) is not shown.
            path=d.storage_path.rpartition("/")[0] + "/…",
            finding=d.sync_finding or "",
            checked=dates.moment(d.last_synced_at),
        )
        for d in rows
    ]
    if lines:
        record_shown(
            session,
            audit_resource_name(Document),
            user_id=actor.user_id,
            what="documents out of step with their store",
            query={},
            ids=[line.id for line in lines],
        )
    return OutOfStepList(lines, total, dates.moment(finished), _schedule())


@service(Permission.JOBS_MANAGE)
def check_documents_now(session: Session, actor: Principal) -> Job:
    """Start a check of every stored document now (the job row names who asked). One run at a
    time: a second would only ask the store everything twice."""
    already = session.exec(
        select(Job).where(
            Job.name == DOCUMENT_SYNC,
            col(Job.status).in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
        )
    ).first()
    if already is not None:
        raise DomainError(
            f"A check is already waiting or running (job #{already.id} in the list of jobs)."
        )
    row = enqueue(
        session, DOCUMENT_SYNC, {"since": utcnow().isoformat()}, requested_by=actor.user_id
    )
    record_event(
        session,
        AuditAction.CREATE,
        "Job",
        user_id=actor.user_id,
        resource_id=row.id,
        detail=f"check now: {DOCUMENT_SYNC}",
    )
    return row
