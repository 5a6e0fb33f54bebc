"""Intake drafts: what a worker has typed into the intake wizard so far, kept on the server
so that closing the browser or losing the connection loses nothing.

A draft is working data, not a business record: it is saved on every field the worker
leaves, so its saves are not audited row by row (that would copy every keystroke into the
audit trail). Starting, discarding and finishing a draft are audited as events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import JSON, Column, Field

from mtkcare.db import USER_FK, SoftDelete, utcnow


class IntakeDraft(SoftDelete, table=True):
    __tablename__ = "client_management_intakedraft"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key=USER_FK, nullable=False, index=True)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, nullable=False)
    step: int = Field(default=1, nullable=False)
    # The furthest step reached: the step indicator links back to any step up to it.
    reached: int = Field(default=1, nullable=False)
    # What the worker typed, as typed (strings by field name); validated step by step.
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # "My drafts" shows this: the client's name once typed, else the referral reason.
    summary: str = Field(default="", max_length=200, nullable=False)
    # The existing client this intake is for, chosen in step 2 through the audited read of
    # their record, and the record's version then: finishing refuses to overwrite a client
    # changed since. Never set from what the browser keeps as the worker types.
    client_id: int | None = Field(
        default=None, foreign_key="client_management_client.id", index=True
    )
    client_version: int | None = Field(default=None)
    finished_at: datetime | None = Field(default=None)
    referral_id: int | None = Field(
        default=None, foreign_key="referral_management_referral.id", index=True
    )
