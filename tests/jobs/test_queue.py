"""The job queue (mtkcare.jobs.queue) on Huey: handed over only after commit, run once per
ticket, retried with capped exponential back-off, failed for good after its attempts (and
then visible and retryable), and recovered by the sweep when a crash lost it."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from mtkcare.db import session_scope, utcnow
from mtkcare.jobs.models import Job, JobStatus
from mtkcare.jobs.queue import (
    GiveUp,
    Queue,
    TryLater,
    backoff_seconds,
    enqueue,
    execute,
    job,
    sweep,
)
from mtkcare.jobs.service import jobs_overview, retry_job
from mtkcare.settings import Settings
from tests.factories import SYSTEM, make_person
from tests.support.jobs import drain
from tests.support.web import Person

RUNS: Counter[str] = Counter()
FAIL_UNTIL: dict[str, int] = {}
GAVE_UP: list[int] = []


def _gave_up(session: Session, row: Job) -> None:
    GAVE_UP.append(row.id or 0)


@job("test.flaky", label="A job that fails at first", on_failure=_gave_up)
def flaky(key: str) -> None:
    RUNS[key] += 1
    if RUNS[key] <= FAIL_UNTIL.get(key, 0):
        raise ConnectionError(f"attempt {RUNS[key]} of {key} could not reach the far side")


@job("test.throttled", label="A job the far side throttles once, then refuses")
def throttled(key: str) -> None:
    RUNS[key] += 1
    if RUNS[key] == 1:
        raise TryLater("503 Service Unavailable", after=2.5)
    raise GiveUp("403 Forbidden: the far side will never take it")


def _row(job_id: int) -> Job:
    with session_scope() as db:
        row = db.get(Job, job_id)
        assert row is not None
        return row


def _start(key: str, fail_until: int = 0) -> int:
    FAIL_UNTIL[key] = fail_until
    with session_scope() as db:
        return enqueue(db, "test.flaky", {"key": key}).id or 0


def test_back_off_doubles_from_the_base_and_stops_at_the_cap() -> None:
    settings = Settings(MTKCARE_JOB_RETRY_BASE_SECONDS=30, MTKCARE_JOB_RETRY_CAP_SECONDS=300)
    waits = [backoff_seconds(n, settings) for n in range(1, 7)]
    assert waits == [30, 60, 120, 240, 300, 300]


def test_a_job_reaches_huey_only_when_its_transaction_commits(jobs: Queue) -> None:
    with pytest.raises(RuntimeError), session_scope() as db:
        enqueue(db, "test.flaky", {"key": "rolled-back"})
        raise RuntimeError("the change failed")
    assert jobs.huey.pending_count() == 0
    with session_scope() as db:
        kept = db.exec(select(Job).where(Job.args["key"].as_string() == "rolled-back")).all()
    assert kept == []
    job_id = _start("committed")
    assert jobs.huey.pending_count() == 1
    assert _row(job_id).status == JobStatus.QUEUED.value
    drain(jobs.huey)
    assert RUNS["committed"] == 1
    done = _row(job_id)
    assert (done.status, done.attempts, done.last_error) == (JobStatus.DONE.value, 1, None)


def test_a_failing_job_is_retried_with_back_off_until_it_succeeds(jobs: Queue) -> None:
    job_id = _start("twice", fail_until=2)
    drain(jobs.huey)
    row = _row(job_id)
    assert RUNS["twice"] == 3
    assert (row.status, row.attempts) == (JobStatus.DONE.value, 3)
    assert row.finished_at is not None and row.started_at is not None


def test_a_retry_waits_as_long_as_the_far_side_asked_and_a_refusal_is_not_retried(
    jobs: Queue,
) -> None:
    with session_scope() as db:
        job_id = enqueue(db, "test.throttled", {"key": "throttled"}).id or 0
    task = jobs.huey.dequeue()
    assert task is not None
    before = utcnow()
    jobs.huey.execute(task)
    row = _row(job_id)
    waits = (row.next_attempt_at - before).total_seconds()
    # Retry-After (2.5 s), not the back-off (0.1 s in the test settings).
    assert (row.status, row.attempts) == (JobStatus.QUEUED.value, 1)
    assert 2.0 < waits < 3.5, waits
    assert jobs.huey.scheduled_count() == 1
    drain(jobs.huey)
    row = _row(job_id)
    assert (row.status, row.attempts, RUNS["throttled"]) == (JobStatus.FAILED.value, 2, 2)
    assert "will never take it" in (row.last_error or "")


def test_out_of_attempts_a_job_is_failed_visibly_and_retry_now_runs_it_again(
    jobs: Queue, db: Session
) -> None:
    job_id = _start("always", fail_until=99)
    drain(jobs.huey)
    row = _row(job_id)
    assert RUNS["always"] == 3  # MTKCARE_JOB_MAX_ATTEMPTS in the test settings
    assert row.status == JobStatus.FAILED.value
    assert "could not reach the far side" in (row.last_error or "")
    assert job_id in GAVE_UP

    with session_scope() as s:
        admin = make_person(s, "Administrator")
    with session_scope() as s:
        seen = jobs_overview(s, admin, "FAILED")
    line = next(line for line in seen.lines if line.id == job_id)
    assert (line.status_label, line.attempts, line.can_retry) == ("Failed", "3 of 3", True)

    FAIL_UNTIL["always"] = 0
    with session_scope() as s:
        retry_job(s, admin, job_id)
    drain(jobs.huey)
    assert RUNS["always"] == 4
    assert _row(job_id).status == JobStatus.DONE.value


def test_retry_now_is_refused_for_a_finished_job_and_without_the_permission(
    jobs: Queue,
) -> None:
    from mtkcare.errors import DomainError, NotAllowed

    job_id = _start("finished")
    drain(jobs.huey)
    with session_scope() as s:
        admin = make_person(s, "Administrator")
        worker = make_person(s, "Case worker")
    with pytest.raises(DomainError, match="only failed or waiting jobs"), session_scope() as s:
        retry_job(s, admin, job_id)
    with pytest.raises(NotAllowed), session_scope() as s:
        retry_job(s, worker, job_id)
    assert _row(job_id).status == JobStatus.DONE.value


def test_a_second_copy_of_a_task_or_an_old_ticket_runs_nothing(jobs: Queue) -> None:
    job_id = _start("once")
    ticket = _row(job_id).ticket
    jobs.run_job(job_id, ticket)  # a duplicate hand-over
    drain(jobs.huey)
    assert RUNS["once"] == 1
    execute(job_id, "an-old-ticket")
    execute(job_id, ticket)  # already done
    assert RUNS["once"] == 1


def test_the_sweep_hands_over_again_what_a_crash_lost(jobs: Queue) -> None:
    lost = _start("lost-before-hand-over")
    stuck = _start("died-while-running")
    jobs.huey.flush()  # Huey never got them, or lost them with a killed consumer
    long_ago = utcnow() - timedelta(hours=2)
    with session_scope() as db:
        db.execute(sa.update(Job).where(Job.id == lost).values(next_attempt_at=long_ago))
        db.execute(
            sa.update(Job)
            .where(Job.id == stuck)
            .values(status=JobStatus.RUNNING.value, attempts=1, started_at=long_ago)
        )
    assert sweep() >= 2
    drain(jobs.huey)
    assert (RUNS["lost-before-hand-over"], RUNS["died-while-running"]) == (1, 1)
    assert _row(lost).status == _row(stuck).status == JobStatus.DONE.value
    assert "consumer stopped" not in (_row(stuck).last_error or "")  # cleared on success


def test_the_jobs_page_read_needs_the_jobs_permission(jobs: Queue) -> None:
    from mtkcare.errors import NotAllowed

    with session_scope() as s:
        lead = make_person(s, "Team lead")
    with pytest.raises(NotAllowed), session_scope() as s:
        jobs_overview(s, lead)
    with session_scope() as s:
        overview = jobs_overview(s, SYSTEM)
    assert set(overview.counts) == {"QUEUED", "RUNNING", "FAILED", "DONE"}


def test_without_the_jobs_permission_the_jobs_page_handlers_change_nothing(
    jobs: Queue, backend: str, person: Person, pg_url: str
) -> None:
    import json

    from tests.auth.test_every_handler_is_guarded import app_handlers
    from tests.support.web import Tab, session_cookie, sign_in

    job_id = _start("guarded", fail_until=99)
    drain(jobs.huey)
    assert _row(job_id).status == JobStatus.FAILED.value
    names = {n.rsplit(".", 1)[-1]: n for n, _ in app_handlers() if "___jobs_state." in n}
    names.pop("setvar", None)  # Reflex's own, walked by tests/auth
    assert set(names) == {"load", "show_status", "retry"}  # a new one must be walked here
    lead = person("Team lead")  # everything a team lead holds, but not jobs.manage
    token = session_cookie(sign_in(backend, lead.username))
    payloads = {"load": {}, "show_status": {"value": "FAILED"}, "retry": {"job_id": job_id}}
    with Tab(backend, cookie=token) as tab:
        for name, full in sorted(names.items()):
            received = tab.send(full, payloads.get(name, {}), pathname="/admin/jobs")
            assert "You are not allowed to do that." in json.dumps(received), (name, received)
    assert _row(job_id).status == JobStatus.FAILED.value
    assert RUNS["guarded"] == 3
