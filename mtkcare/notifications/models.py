"""In-app notifications to staff, and outbound messages to organisations (sent after commit
by a job, retried with back-off)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from mtkcare.db import USER_FK, utcnow


class OutboundStatus(StrEnum):
    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"


class Notification(SQLModel, table=True):
    __tablename__ = "notifications_notification"
    __table_args__ = (
        sa.Index(
            "ix_notifications_notification_recipient_id_read_at",
            "recipient_id",
            "read_at",
        ),
        # A notice sent at most once per key and person (e.g. one follow-up reminder per
        # referral per day); most notices have no key.
        sa.UniqueConstraint(
            "recipient_id", "once_key", name="uq_notifications_notification_recipient_once"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int = Field(foreign_key=USER_FK, nullable=False)
    kind: str = Field(max_length=40, nullable=False)
    title: str = Field(max_length=200, nullable=False)
    body: str | None = Field(default=None, sa_type=sa.Text)
    link: str | None = Field(default=None, max_length=300)
    resource: str | None = Field(default=None, max_length=64)
    resource_id: str | None = Field(default=None, max_length=64)
    once_key: str | None = Field(default=None, max_length=80)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    read_at: datetime | None = Field(default=None)


class OutboundMessage(SQLModel, table=True):
    __tablename__ = "notifications_outboundmessage"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int | None = Field(
        default=None,
        foreign_key="external_organisation_management_externalorganisation.id",
        index=True,
    )
    kind: str = Field(max_length=40, nullable=False)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OutboundStatus.QUEUED.value, max_length=10, nullable=False)
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: datetime = Field(default_factory=utcnow, nullable=False)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    sent_at: datetime | None = Field(default=None)
    # Which channel and address it goes to (decided when it is made, so a later change of the
    # organisation's settings does not redirect a message already promised).
    channel: str = Field(default="webhook", max_length=10, nullable=False)
    destination: str = Field(default="", max_length=500, nullable=False)
    referral_id: int | None = Field(
        default=None, foreign_key="referral_management_referral.id", index=True
    )
