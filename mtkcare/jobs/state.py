"""State of the jobs page (``/admin/jobs``): the newest jobs by status, the queue's depth,
and "retry now" for failed or waiting jobs; and the documents the metadata sync found out of
step with their store, with "check now"."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mtkcare.auth.guard import requires
from mtkcare.auth.permissions import Permission
from mtkcare.auth.state import AppState, Refused
from mtkcare.documents.sync import OutOfStep, check_documents_now, documents_out_of_step
from mtkcare.jobs.service import STATUS_LABELS, JobLine, jobs_overview, retry_job
from mtkcare.ui.paging import clean_id

EVERY = "ALL"  # the filter's value for every status (a select cannot hold "")


class JobsState(AppState):
    lines: list[JobLine] = []
    counts: dict[str, int] = {}
    waiting: int = 0
    scheduled: int = 0
    status: str = EVERY
    loaded: bool = False

    def _reread(self) -> Any:
        status = "" if self.status == EVERY else self.status
        done = self._call(lambda db, me: jobs_overview(db, me, status))
        if isinstance(done, Refused):
            return done.events
        self.lines = done.lines
        self.counts = done.counts
        self.waiting, self.scheduled = done.waiting_in_queue, done.scheduled_in_queue
        self.loaded = True
        return None

    @requires(Permission.JOBS_MANAGE)
    @rx.event
    def load(self) -> Any:
        return self._reread()

    @requires(Permission.JOBS_MANAGE)
    @rx.event
    def show_status(self, value: str) -> Any:
        self.status = value if value in STATUS_LABELS else EVERY
        return self._reread()

    @requires(Permission.JOBS_MANAGE)
    @rx.event
    def retry(self, job_id: int) -> Any:
        target = clean_id(job_id)
        if target is None:
            return rx.toast.error("That job is not on the list: reload the page.")
        done = self._call(lambda db, me: retry_job(db, me, target))
        if isinstance(done, Refused):
            return done.events
        return [*(self._reread() or []), rx.toast.success("The job will run again now.")]


class DocumentSyncState(AppState):
    """The jobs page's section on the document metadata sync: documents whose store no longer
    agrees with their record (where they are and what is wrong, never what they are), and
    "Check now". Its own state, so the jobs list and this section load and fail apart."""

    out_of_step: list[OutOfStep] = []
    total: int = 0
    last_check: str = ""
    schedule: str = ""
    loaded: bool = False

    def _reread(self) -> Any:
        done = self._call(documents_out_of_step)
        if isinstance(done, Refused):
            return done.events
        self.out_of_step = done.lines
        self.total = done.total
        self.last_check = done.last_complete_check
        self.schedule = done.schedule
        self.loaded = True
        return None

    @requires(Permission.JOBS_MANAGE)
    @rx.event
    def load(self) -> Any:
        return self._reread()

    @requires(Permission.JOBS_MANAGE)
    @rx.event
    def check_now(self) -> Any:
        done = self._call(check_documents_now)
        if isinstance(done, Refused):
            return done.events
        return [
            JobsState.load,
            rx.toast.success(
                f"The check is queued (job #{done.id}). Refresh this list to see what it finds."
            ),
        ]
