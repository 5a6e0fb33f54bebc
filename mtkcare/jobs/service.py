"""What administrators see of the background jobs, and "retry now"."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from mtkcare import dates
from mtkcare.audit.models import AuditAction
from mtkcare.audit.service import record_event
from mtkcare.auth.access import reads, service
from mtkcare.auth.permissions import Permission
from mtkcare.auth.service import Principal
from mtkcare.errors import DomainError
from mtkcare.jobs.models import Job, JobStatus
from mtkcare.jobs.queue import get_huey, job_label, retry_now

STATUS_LABELS: dict[str, str] = {
    JobStatus.QUEUED.value: "Queued",
    JobStatus.RUNNING.value: "Running",
    JobStatus.FAILED.value: "Failed",
    JobStatus.DONE.value: "Done",
}
# The jobs page's filter: "" is every job.
STATUS_CHOICES: tuple[tuple[str, str], ...] = (("", "All jobs"), *STATUS_LABELS.items())
LIST_LIMIT = 200


@dataclass(frozen=True)
class JobLine:
    id: int
    label: str
    status: str
    status_label: str
    attempts: str
    created: str
    next_attempt: str
    finished: str
    last_error: str
    can_retry: bool


@dataclass(frozen=True)
class JobsOverview:
    lines: list[JobLine]
    counts: dict[str, int]  # per status, over every kept job
    waiting_in_queue: int  # Huey: handed over, not yet taken by a worker
    scheduled_in_queue: int  # Huey: retries and delayed work


def _line(row: Job) -> JobLine:
    waiting = row.status == JobStatus.QUEUED.value
    return JobLine(
        id=row.id or 0,
        label=job_label(row.name),
        status=row.status,
        status_label=STATUS_LABELS.get(row.status, row.status),
        attempts=f"{row.attempts} of {row.max_attempts}",
        created=dates.moment(row.created_at),
        next_attempt=dates.moment(row.next_attempt_at) if waiting else "",
        finished=dates.moment(row.finished_at) if row.finished_at else "",
        last_error=row.last_error or "",
        can_retry=row.status in (JobStatus.FAILED.value, JobStatus.QUEUED.value),
    )


@reads(Permission.JOBS_MANAGE)
def jobs_overview(session: Session, actor: Principal, status: str = "") -> JobsOverview:
    """The newest jobs (of one status, or all), the count per status and the queue's depth."""
    query = select(Job).order_by(col(Job.created_at).desc(), col(Job.id).desc())
    if status in STATUS_LABELS:
        query = query.where(Job.status == status)
    rows = session.exec(query.limit(LIST_LIMIT)).all()
    counts = {s: 0 for s in STATUS_LABELS}
    for name, count in session.exec(select(Job.status, func.count()).group_by(Job.status)):
        counts[name] = count
    huey = get_huey()
    try:
        waiting, scheduled = huey.pending_count(), huey.scheduled_count()
    except Exception:  # the queue's storage is down: the page still shows the table
        waiting, scheduled = -1, -1
    return JobsOverview([_line(r) for r in rows], counts, waiting, scheduled)


@service(Permission.JOBS_MANAGE)
def retry_job(session: Session, actor: Principal, job_id: int) -> Job:
    """Run a failed job again now (its attempts start again), or a queued one without
    waiting for its back-off."""
    row = session.exec(select(Job).where(col(Job.id) == job_id).with_for_update()).first()
    if row is None:
        raise DomainError("That job is no longer kept: reload the page.")
    if row.status not in (JobStatus.FAILED.value, JobStatus.QUEUED.value):
        raise DomainError(
            f"That job is {STATUS_LABELS.get(row.status, row.status).lower()}: "
            "only failed or waiting jobs can be retried."
        )
    before = row.status
    retry_now(session, row, actor.user_id)
    record_event(
        session,
        AuditAction.UPDATE,
        "Job",
        user_id=actor.user_id,
        resource_id=row.id,
        detail=f"retry now: {row.name}",
        changes={"status": [before, JobStatus.QUEUED.value]},
    )
    return row
