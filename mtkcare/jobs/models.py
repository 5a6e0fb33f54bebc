"""One row per background job: what to run, where it stands, and how its attempts went.

Huey carries the work (its queue in Redis or SQLite survives restarts); this table is what
administrators see and what makes a job run once: a Huey task names a job and the job's
current ``ticket``, and only the task holding the live ticket may claim a queued job.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from mtkcare.db import USER_FK, utcnow


class JobStatus(StrEnum):
    QUEUED = "QUEUED"  # waiting for its first or next attempt
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"  # out of attempts; an administrator may retry it


class Job(SQLModel, table=True):
    __tablename__ = "jobs_job"
    __table_args__ = (sa.Index("ix_jobs_job_status_next_attempt_at", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, nullable=False, index=True)
    args: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=JobStatus.QUEUED.value, max_length=10, nullable=False)
    attempts: int = Field(default=0, nullable=False)
    max_attempts: int = Field(default=1, nullable=False)
    ticket: str = Field(max_length=36, nullable=False)
    next_attempt_at: datetime = Field(default_factory=utcnow, nullable=False)
    started_at: datetime | None = Field(default=None)
    finished_at: datetime | None = Field(default=None)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    requested_by: int | None = Field(default=None, foreign_key=USER_FK)
