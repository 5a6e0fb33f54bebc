"""Background jobs on Huey: how a job is declared, enqueued after commit, run once, retried
with capped exponential back-off and, out of attempts, left "failed" for an administrator.

- ``@job("name", label=...)`` declares what a job does (a function of its JSON arguments that
  opens its own transactions) and, optionally, what to do when it finally fails.
- ``enqueue(session, "name", {...})`` adds the ``jobs_job`` row in the caller's transaction
  and hands the work to Huey only once that transaction has committed (a rolled-back change
  starts nothing).
- Huey's storage (Redis with ``REDIS_URL``, else the SQLite file ``MTKCARE_JOBS_PATH``) keeps
  queued and scheduled work across restarts of the consumer; ``sweep`` re-queues what a
  crash lost (a job queued but never handed over, or "running" past its lease).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.exceptions import RetryTask
from sqlmodel import Session, col, select

from mtkcare.db import insert_now, new_row, on_commit, session_scope, utcnow
from mtkcare.jobs.models import Job, JobStatus
from mtkcare.settings import Settings, get_settings

log = logging.getLogger(__name__)

ERROR_CHARS = 2000
# Finished jobs are kept this long for the jobs page, then removed by the sweep.
KEEP_DONE = timedelta(days=14)
# A queued job whose time came this long ago without running was never handed to Huey (the
# process died between commit and hand-over): the sweep hands it over again.
LOST_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    run: Callable[..., None]
    max_attempts: int | None  # None: MTKCARE_JOB_MAX_ATTEMPTS
    on_failure: Callable[[Session, Job], None] | None


KINDS: dict[str, JobKind] = {}


class GiveUp(Exception):
    """A job's work cannot succeed (trying again would not help): no more attempts."""


class TryLater(Exception):
    """An attempt failed for a while (throttled, unavailable): the next one waits at least
    ``after`` seconds when the far side said how long (HTTP ``Retry-After``), or the usual
    back-off, whichever is longer."""

    def __init__(self, message: str, after: float | None = None) -> None:
        super().__init__(message)
        self.after = after


# However long the far side asks for, a retry waits at most this long.
MAX_RETRY_AFTER_SECONDS = 3600.0


def job(
    name: str,
    *,
    label: str,
    max_attempts: int | None = None,
    on_failure: Callable[[Session, Job], None] | None = None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Declare the job ``name``: the decorated function receives the job's arguments."""

    def declare(fn: Callable[..., None]) -> Callable[..., None]:
        if name in KINDS:
            raise RuntimeError(f"two jobs are called {name!r}")
        KINDS[name] = JobKind(name, label, fn, max_attempts, on_failure)
        return fn

    return declare


def job_label(name: str) -> str:
    kind = KINDS.get(name)
    return kind.label if kind else name


def backoff_seconds(attempt: int, settings: Settings | None = None) -> float:
    """How long to wait after failed attempt number ``attempt`` (1, 2, …): doubling from the
    base, never more than the cap."""
    settings = settings or get_settings()
    return min(
        settings.job_retry_cap_seconds,
        settings.job_retry_base_seconds * (2 ** max(0, attempt - 1)),
    )


@lru_cache(maxsize=1)
def _declared() -> None:
    """Import the modules that declare jobs (so the consumer and the app know every one)."""
    import mtkcare.api.idempotency
    import mtkcare.documents.jobs
    import mtkcare.documents.sync
    import mtkcare.jobs.azure_sync
    import mtkcare.jobs.reminders
    import mtkcare.notifications.outbound
    import mtkcare.referrals.duplicate_check  # noqa: F401


# --- Huey -------------------------------------------------------------------------------


def _storage_key(settings: Settings) -> tuple[str, str]:
    return ("redis", settings.redis_url) if settings.redis_url else ("sqlite", settings.jobs_path)


@dataclass(frozen=True)
class Queue:
    huey: Huey
    run_job: Any  # the Huey task that runs one attempt of a job


@lru_cache(maxsize=4)
def _queue_for(kind: str, where: str) -> Queue:
    if kind == "redis":
        huey: Huey = RedisHuey("mtkcare-jobs", url=where, results=False, utc=True)
    else:
        Path(where).parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey("mtkcare-jobs", filename=where, results=False, utc=True)
    return Queue(huey, _register(huey))


def get_queue() -> Queue:
    """The queue for the current settings (one per storage, shared in the process)."""
    _declared()
    return _queue_for(*_storage_key(get_settings()))


def get_huey() -> Huey:
    return get_queue().huey


def _register(huey: Huey) -> Any:
    @huey.task(name="mtkcare.run_job")
    def run_job(job_id: int, ticket: str) -> None:
        execute(job_id, ticket)

    @huey.periodic_task(crontab(minute="*"), name="mtkcare.sweep")
    def every_minute() -> None:
        sweep()

    @huey.periodic_task(crontab(minute="*/15"), name="mtkcare.follow_up_reminders")
    def reminders() -> None:
        start_periodic("referrals.follow_up_reminders")

    @huey.periodic_task(crontab(minute="*"), name="mtkcare.azure_group_sync")
    def azure_sync() -> None:
        settings = get_settings()
        minutes = settings.azure_group_sync_minutes
        if settings.azure_enabled and minutes and _minute_of_day() % minutes == 0:
            start_periodic("users.azure_group_sync")

    @huey.periodic_task(crontab(minute="*"), name="mtkcare.document_sync")
    def document_sync() -> None:
        minutes = get_settings().document_sync_minutes
        if minutes and _minute_of_day() % minutes == 0:
            start_periodic("documents.sync")

    @huey.periodic_task(crontab(minute="7"), name="mtkcare.forget_idempotency_keys")
    def forget_idempotency_keys() -> None:
        start_periodic("partner_api.forget_idempotency_keys")

    return run_job


def _minute_of_day() -> int:
    now = utcnow()
    return now.hour * 60 + now.minute


def _hand_over(job_id: int, ticket: str) -> None:
    get_queue().run_job(job_id, ticket)


def _later(job_id: int, ticket: str) -> Callable[[], None]:
    return lambda: _hand_over(job_id, ticket)


# --- enqueue, run, retry ----------------------------------------------------------------


def enqueue(
    session: Session,
    name: str,
    args: dict[str, Any] | None = None,
    *,
    requested_by: int | None = None,
) -> Job:
    """Add job ``name`` in the caller's transaction; Huey gets it once that commits."""
    _declared()
    kind = KINDS.get(name)
    if kind is None:
        raise ValueError(f"no job is called {name!r}")
    row = new_row(
        Job,
        name=name,
        args=dict(args or {}),
        max_attempts=kind.max_attempts or get_settings().job_max_attempts,
        ticket=uuid.uuid4().hex,
        requested_by=requested_by,
    )
    insert_now(session, row)
    job_id, ticket = row.id or 0, row.ticket
    on_commit(session, _later(job_id, ticket))
    return row


def start_periodic(name: str) -> None:
    """A scheduled job: its own row (so it shows on the jobs page), then the same path."""
    with session_scope() as db:
        enqueue(db, name)


def _claim(job_id: int, ticket: str) -> Job | None:
    """Mark the job running if it is queued under this ticket (one winner, however many
    copies of the task Huey holds)."""
    with session_scope() as db:
        claimed = db.execute(
            sa.update(Job)
            .where(
                col(Job.id) == job_id,
                col(Job.ticket) == ticket,
                col(Job.status) == JobStatus.QUEUED.value,
            )
            .values(status=JobStatus.RUNNING.value, attempts=Job.attempts + 1, started_at=utcnow())
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return None
        return db.get(Job, job_id)


def execute(job_id: int, ticket: str) -> None:
    """Run one attempt of the job (the Huey task's body)."""
    row = _claim(job_id, ticket)
    if row is None:
        log.info("job %s ticket %s: not queued under this ticket; nothing to do", job_id, ticket)
        return
    kind = KINDS.get(row.name)
    try:
        if kind is None:
            raise LookupError(f"no job is called {row.name!r} in this version")
        kind.run(**row.args)
    except Exception as exc:
        delay = _failed(row, kind, exc)
        if delay is not None:
            # Huey keeps the retry in its schedule (durable) and runs it then.
            raise RetryTask(f"attempt {row.attempts} failed", delay=delay) from exc
        return
    with session_scope() as db:
        db.execute(
            sa.update(Job)
            .where(col(Job.id) == job_id, col(Job.ticket) == ticket)
            .values(status=JobStatus.DONE.value, finished_at=utcnow(), last_error=None)
        )


def _failed(row: Job, kind: JobKind | None, exc: Exception) -> float | None:
    """Record a failed attempt; the delay before the next one, or None when it was the last."""
    log.warning("job %s (%s) attempt %s failed: %s", row.id, row.name, row.attempts, exc)
    error = f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
    with session_scope() as db:
        current = db.exec(select(Job).where(col(Job.id) == row.id).with_for_update()).one()
        current.last_error = error
        if current.attempts >= current.max_attempts or kind is None or isinstance(exc, GiveUp):
            _give_up(db, current)
            return None
        delay = backoff_seconds(current.attempts)
        if isinstance(exc, TryLater) and exc.after is not None:
            delay = min(MAX_RETRY_AFTER_SECONDS, max(delay, exc.after))
        current.status = JobStatus.QUEUED.value
        current.next_attempt_at = utcnow() + timedelta(seconds=delay)
        return delay


def _give_up(db: Session, row: Job) -> None:
    """Out of attempts: the job is failed (for an administrator to see and retry), and its
    kind's ``on_failure`` records what that means for the work (e.g. a notice not sent)."""
    row.status = JobStatus.FAILED.value
    row.finished_at = utcnow()
    kind = KINDS.get(row.name)
    if kind is not None and kind.on_failure is not None:
        kind.on_failure(db, row)


def retry_now(session: Session, row: Job, requested_by: int | None) -> None:
    """Queue a failed (or waiting) job for an attempt now, with a fresh ticket so any older
    copy Huey still holds does nothing; a failed job gets its attempts back."""
    if row.status == JobStatus.FAILED.value:
        row.attempts = 0
    row.status = JobStatus.QUEUED.value
    row.ticket = uuid.uuid4().hex
    row.next_attempt_at = utcnow()
    row.finished_at = None
    row.requested_by = requested_by
    session.add(row)
    job_id, ticket = row.id or 0, row.ticket
    on_commit(session, _later(job_id, ticket))


def sweep() -> int:
    """Hand over again the jobs a crash lost, and forget old finished ones; how many were
    handed over."""
    now = utcnow()
    lease = timedelta(seconds=get_settings().job_lease_seconds)
    lost: list[tuple[int, str]] = []
    with session_scope() as db:
        rows = db.exec(
            select(Job)
            .where(
                sa.or_(
                    sa.and_(
                        col(Job.status) == JobStatus.QUEUED.value,
                        col(Job.next_attempt_at) < now - LOST_AFTER,
                    ),
                    sa.and_(
                        col(Job.status) == JobStatus.RUNNING.value,
                        col(Job.started_at) < now - lease,
                    ),
                )
            )
            .with_for_update(skip_locked=True)
            .limit(500)
        ).all()
        for row in rows:
            if row.status == JobStatus.RUNNING.value:
                row.last_error = "the consumer stopped while this job was running"
                if row.attempts >= row.max_attempts:
                    _give_up(db, row)
                    continue
            row.status = JobStatus.QUEUED.value
            row.ticket = uuid.uuid4().hex
            row.next_attempt_at = now
            lost.append((row.id or 0, row.ticket))
        db.execute(
            sa.delete(Job).where(
                col(Job.status) == JobStatus.DONE.value, col(Job.finished_at) < now - KEEP_DONE
            )
        )
        for job_id, ticket in lost:
            on_commit(db, _later(job_id, ticket))
    return len(lost)
